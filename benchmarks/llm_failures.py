"""The llm engine's failure budget: how long ``localize translate --engine llm`` takes to its
error (or its end) against an endpoint that is dead, slow, rate-limiting, refusing or
answering junk, with the default settings (no llm.toml).

    python -m benchmarks.llm_failures            # every case, about 5 minutes (mostly waiting)
    python -m benchmarks.llm_failures slow html  # the cases whose name starts with these

Each case starts tests/llm_fake.py's server on a free 127.0.0.1 port (a dead endpoint is a
port nobody listens on, or one whose listener never accepts) and runs the real command line in its own process: "elapsed" is its
whole wall-clock time, Python start-up included. Data: fixtures/episode_zh/reference.srt
(6 cues), or 12 or 30 cues of the same lines where the case says so. The batch cases run
``localize batch`` on 8 copies of the fixture episode's audio with its subtitles beside
them (``--sidecar-subs``, market en-US, one job).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._scripts import ROOT, load_script
from benchmarks._table import print_table
from localize.formats import load, save
from localize.model import Cue, Track

llm_fake = load_script("tests/llm_fake.py")  # the fake server of the llm tests

EPISODE = ROOT / "fixtures" / "episode_zh" / "reference.srt"
KEY = "sk-benchmark-SECRET-0001"
BATCH = ("batch",)  # the case runs ``localize batch`` on a season instead of ``translate``
#: (case, fake server mode or "dead", server options, cues, extra arguments)
CASES: list[tuple[str, str, dict[str, Any], int, tuple[str, ...]]] = [
    ("dead (connection refused)", "dead", {}, 6, ()),
    ("dead (never accepts a connection)", "unaccepting", {}, 6, ()),
    ("slow: /models never answers", "slow", {}, 6, ()),
    ("slow: chat never answers", "slow_chat", {}, 6, ()),
    ("slow: chat trickles a byte a second", "trickle", {}, 6, ()),
    ("rate-limited, Retry-After 2", "ratelimit", {"retry_after": "2"}, 6, ()),
    ("rate-limited, Retry-After 120", "ratelimit", {"retry_after": "120"}, 6, ()),
    ("HTTP 500 on every chat", "error", {}, 6, ()),
    ("refuses the key (401)", "refused", {}, 6, ()),
    ("junk: /models is an HTML page", "html", {}, 6, ()),
    ("junk: chat answers HTML", "chat_html", {}, 6, ()),
    ("junk: chat JSON without choices", "badshape", {}, 6, ()),
    ("nothing usable: chatter", "chatty", {}, 6, ()),
    ("nothing usable: chatter, --strict", "chatty", {}, 6, ("--strict",)),
    ("nothing usable: chatter, 2 s each", "chatty", {"delay": 2.0}, 30, ()),
    ("nothing usable: 3 MB per line", "huge", {}, 6, ()),
    ("junk: 3 MB per line, 36 MB in all", "huge", {}, 12, ()),
    ("answers with the API key", "echokey", {}, 6, ()),
    ("batch: dead", "dead", {}, 8, BATCH),
    ("batch: chat never answers", "slow_chat", {}, 8, BATCH),
]
COLUMNS = ("case", "elapsed s", "exit", "requests", "message (the error, else the first warning)")


def subtitles(count: int, folder: Path) -> Path:
    """The fixture episode, or ``count`` cues of its lines."""
    if count == len(load(EPISODE)):
        return EPISODE
    lines = [c.text for c in load(EPISODE).cues]
    path = folder / f"zh{count}.srt"
    save(Track([Cue(i * 2500, i * 2500 + 2000, lines[i % len(lines)]) for i in range(count)], language="zh"), path)
    return path


def season(count: int, work: Path) -> Path:
    """``count`` episodes: the fixture episode's audio, its subtitles beside each copy."""
    folder = work / f"season{count}"
    if not folder.is_dir():
        folder.mkdir()
        audio = folder / "ep01.wav"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(EPISODE.with_name("episode.mp4")), "-vn", str(audio)], check=True
        )
        for number in range(1, count + 1):
            if number > 1:
                shutil.copy(audio, folder / f"ep{number:02d}.wav")
            shutil.copy(EPISODE, folder / f"ep{number:02d}.srt")
    return folder


def command(count: int, extra: tuple[str, ...], work: Path, case: str) -> list[str]:
    """The ``localize`` arguments of a case: translate, or batch for ``BATCH``."""
    if extra == BATCH:
        return [
            "batch",
            str(season(count, work)),
            "-m",
            "en-US",
            "-o",
            str(work / case / "out"),
            "--sidecar-subs",
            "--translate-engine",
            "llm",
            "--llm-model",
            "m",
        ]
    return [
        "translate",
        str(subtitles(count, work)),
        "--to",
        "en",
        "-o",
        str(work / "out.srt"),
        "--engine",
        "llm",
        "--model",
        "m",
        *extra,
    ]


def endpoint(mode: str, options: dict[str, Any], stack: contextlib.ExitStack) -> tuple[str, Any]:
    """The base URL of a case's endpoint and its fake server (None for a dead one), closed with ``stack``."""
    if mode == "dead":
        return f"http://127.0.0.1:{llm_fake.free_port()}/v1", None
    if mode == "unaccepting":
        return f"http://127.0.0.1:{stack.enter_context(llm_fake.unaccepting_port())}/v1", None
    server = stack.enter_context(llm_fake.FakeLLM(mode, lifetime=300, **options))
    return server.url, server


def measure(case: str, mode: str, options: dict[str, Any], count: int, extra: tuple[str, ...], work: Path) -> list[str]:
    stack = contextlib.ExitStack()
    url, server = endpoint(mode, options, stack)
    env = {
        **os.environ,
        "OPENAI_BASE_URL": url,
        "OPENAI_API_KEY": KEY,
        "XDG_CACHE_HOME": str(work / case),
        "LOCALIZE_LLM_CONFIG": str(work / "absent.toml"),
        "PYTHONPATH": str(ROOT),
    }
    started = time.monotonic()
    with stack:
        done = subprocess.run(
            [sys.executable, "-m", "localize", *command(count, extra, work, case)],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
        )
    elapsed = time.monotonic() - started
    said = [line for line in done.stderr.splitlines() if line.startswith(("Error:", "Warning:"))]
    said += [line for line in done.stdout.splitlines() if line.startswith("LLM endpoint:")]  # a batch's note
    message = sorted(said, key=lambda line: line.startswith("Warning:"))[0] if said else ""
    requests = str(len(server.requests)) if server else "-"
    message = message.replace(url, "URL").replace(str(work) + "/", "").replace(KEY, "<KEY>")
    leaked = "  [KEY LEAKED]" if KEY in done.stdout + done.stderr else ""
    return [
        f"{case} ({count} {'episodes' if extra == BATCH else 'cues'})",
        f"{elapsed:.1f}",
        str(done.returncode),
        requests,
        message + leaked,
    ]


def main() -> None:
    chosen = [c for c in CASES if not sys.argv[1:] or any(c[0].startswith(a) for a in sys.argv[1:])]
    with tempfile.TemporaryDirectory(prefix="llm-failures-") as folder:
        rows = [measure(*case, Path(folder)) for case in chosen]
    print("default settings: timeout 30 s (connect 5 s; GET /models 10 s, 15 s in all), max_retries 2, deadline 40 s")
    print_table(COLUMNS, rows)


if __name__ == "__main__":
    main()
