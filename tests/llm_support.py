"""What the llm engine's failure tests share: isolated settings, the fake endpoint, the command line,
and reading an error's one line and stated time. Imported by tests/test_llm_failures.py and
tests/test_llm_budget.py (their fixtures ``env`` and ``fake`` come from here).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from localize.cli import cli
from localize.formats import load, save
from localize.model import Cue, Track

sys.path.insert(0, str(Path(__file__).parent))
from llm_fake import FakeLLM  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EPISODE = ROOT / "fixtures" / "episode_zh" / "reference.srt"
KEY = "sk-review-SECRET-9981"
TOOK = re.compile(r"\((\d+) attempts?, (\d+\.\d) s\)$")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Isolated caches, the key in the environment, no config file: the default settings."""
    for name in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "LOCALIZE_CACHE"):
        (tmp_path / name).mkdir()
        monkeypatch.setenv(name, str(tmp_path / name))
    monkeypatch.delenv("LOCALIZE_LLM_MODEL", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("LOCALIZE_LLM_CONFIG", str(tmp_path / "llm.toml"))
    return tmp_path


def pointed_at(monkeypatch: pytest.MonkeyPatch, start: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """For a fixture: ``start`` wrapped so that OPENAI_BASE_URL points at each server it starts
    (a ``url`` and a ``close()``), and every one is closed after the test."""
    started: list[Any] = []

    def make(*args: Any, **options: Any) -> Any:
        server = start(*args, **options)
        started.append(server)
        monkeypatch.setenv("OPENAI_BASE_URL", server.url)
        return server

    yield make
    for server in started:
        server.close()


@pytest.fixture
def fake(env: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``fake(mode, **options)``: a fake endpoint that OPENAI_BASE_URL points at, closed after the test."""
    yield from pointed_at(monkeypatch, lambda mode, **options: FakeLLM(mode, lifetime=120, **options))


def configure(env: Path, **settings: Any) -> None:
    (env / "llm.toml").write_text("[llm]\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()), encoding="utf-8")


def translate_cli(env: Path, *extra: str, subs: Path = EPISODE) -> tuple[Any, Path, float]:
    """``localize translate SUBS --engine llm`` in this process: the result, the output path, seconds."""
    out = env / "out.srt"
    started = time.monotonic()
    result = CliRunner().invoke(
        cli,
        [
            "translate",
            str(subs),
            "--to",
            "en",
            "-o",
            str(out),
            "--engine",
            "llm",
            "--model",
            "m",
            "--report",
            str(env / "report.json"),
            *extra,
        ],
    )
    return result, out, time.monotonic() - started


def localize(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """The real command line in its own process (its own logging setup)."""
    return subprocess.run(
        [sys.executable, "-m", "localize", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )


def one_error(output: str) -> str:
    """The single ``Error:`` line of a failed command (no traceback, nothing else)."""
    assert "Traceback" not in output and output.count("\n") == 1, output
    assert output.startswith("Error: "), output
    return output.strip()


ROUNDING = 0.05  # a stated time may exceed the measured one by this much


def stated_time(message: str) -> tuple[int, float]:
    """Attempts and seconds an error says it took (seconds rounded to one decimal: see ``ROUNDING``)."""
    found = TOOK.search(message)
    assert found, message
    return int(found.group(1)), float(found.group(2))


def cues(count: int) -> Path:
    """A Chinese subtitle file of ``count`` cues, 2 s each (the fixture lines repeated)."""
    lines = [c.text for c in load(EPISODE).cues]
    path = Path(os.environ["HOME"]) / f"zh{count}.srt"
    save(Track([Cue(i * 2500, i * 2500 + 2000, lines[i % len(lines)]) for i in range(count)], language="zh"), path)
    return path
