"""Stop signals (SIGTERM, SIGHUP, SIGINT) at several moments of ``burn``, ``run --dub`` and ``batch``.

A batch runner (``timeout``, ``docker stop``, systemd, a closed SSH session) may stop a job
at any moment. Each interrupted run must exit 128 + the signal with one line, leave no
partial output, no temporary folder and no child process (checked in /proc: every process
started from the test carries a marker in its environment, so orphans are found too), and
the next run must finish byte-identical to an uninterrupted one.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from support import (
    LOCALIZE,
    assert_same_media,
    assert_same_outputs,
    isolated_env,
    make_episode,
    media_difference,
    run_cli,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
MARK = "LOCALIZE_SIGNAL_TEST"
MARKET = (
    '[market]\ncode = "en-GB"\nlanguage = "en"\n[subtitles]\nprofile = "en-vertical"\nformats = ["srt"]\n'
    '[dub]\nvoice = "espeak:en-gb"\n[mux]\nenabled = true\nsubtitles = ["srt"]\n[burn]\nenabled = true\n'
    'cover = "none"\n'
)  # espeak-ng: deterministic bytes
Moment = Callable[[list[list[str]], Path], bool]  # (command lines of our processes, output folder) -> now?


def part_files(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if ".part" in p.name]


def encoding(commands: list[list[str]], out: Path) -> bool:
    """The burn-in ffmpeg runs and has written part of the video."""
    burning = any("-filter_complex_script" in c for c in commands)
    return burning and any(p.stat().st_size > 0 for p in part_files(out) if p.exists())


def started(commands: list[list[str]], out: Path) -> bool:
    """The partial output exists (burn): the temporary folder has been made, ffmpeg may not run yet."""
    return bool(part_files(out))


def synthesizing(commands: list[list[str]], out: Path) -> bool:
    """espeak-ng is speaking a dub line (the dub stage)."""
    return any(Path(c[0]).name.startswith("espeak") for c in commands if c)


@pytest.fixture(scope="module")
def env(tmp_path_factory, argos_packages) -> dict[str, str]:
    root = tmp_path_factory.mktemp("signals-env")
    (root / "tmp").mkdir()
    return isolated_env(root, argos_packages) | {"TMPDIR": str(root / "tmp")}


@pytest.fixture(scope="module")
def season(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("season")
    for index in range(2):
        make_episode(folder, f"ep{index + 1:02d}", index)
    (folder.parent / "en-GB.toml").write_text(MARKET, encoding="utf-8")
    return folder


def market(season: Path) -> Path:
    return season.parent / "en-GB.toml"


def ours(mark: str) -> list[list[str]]:
    """Command lines of the live processes started with ``MARK=mark``, whoever their parent is now."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"{MARK}={mark}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                found.append((entry / "cmdline").read_bytes().decode(errors="replace").split("\0"))
        except OSError:
            continue  # gone meanwhile
    return found


def _default_stop_signals() -> None:
    """Undo what the test runner may have inherited: a shell's background job ignores SIGINT and
    ``nohup`` ignores SIGHUP, and localize keeps a signal ignored that was ignored when it started."""
    for signum in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)


def _python(script: str) -> subprocess.CompletedProcess:
    """``python -c script`` with the stop signals at their defaults, its output captured."""
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, preexec_fn=_default_stop_signals
    )


def interrupt(args: list, env: dict[str, str], out: Path, moment: Moment, signum: int, group: bool = False) -> None:
    """Start the CLI, send ``signum`` (to it, or to its process group) at ``moment``, check what is left."""
    mark = uuid.uuid4().hex
    process = subprocess.Popen(
        [*LOCALIZE, *map(str, args)],
        env=env | {MARK: mark},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_default_stop_signals,
    )
    deadline = time.monotonic() + 240
    while not moment(ours(mark), out):
        assert process.poll() is None, f"finished before {moment.__name__}: {process.stderr.read()}"
        assert time.monotonic() < deadline, f"{moment.__name__} never came"
        time.sleep(0.01)
    (os.killpg if group else os.kill)(process.pid, signum)
    _, stderr = process.communicate(timeout=120)
    name = signal.Signals(signum).name
    assert process.returncode == 128 + signum, stderr
    assert stderr.strip().splitlines()[-1] == f"Aborted ({name})", stderr
    assert "Traceback" not in stderr, stderr
    deadline = time.monotonic() + 10
    while ours(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not ours(mark), f"{name} at {moment.__name__} left processes running: {ours(mark)}"
    assert not part_files(out), f"{name} at {moment.__name__} left partial files"
    assert not list(out.rglob(".tmp-*")), f"{name} at {moment.__name__} left cache build folders"
    temporary = [
        p.name for p in Path(env["TMPDIR"]).iterdir() if not p.name.startswith("pulse-")
    ]  # libpulse's, via espeak
    assert not temporary, f"{name} at {moment.__name__} left temporary folders: {temporary}"


def test_burn_stops_cleanly_at_any_moment_and_reruns_identically(tmp_path, env):
    video, subs = FIXTURES / "episode_zh_hardsub" / "episode.mp4", FIXTURES / "episode_en" / "reference.srt"
    reference, out = tmp_path / "reference" / "burned.mp4", tmp_path / "out" / "burned.mp4"
    assert run_cli(["burn", video, subs, "-o", reference, "--cover", "none"], env, timeout=240).returncode == 0
    args = ["burn", video, subs, "-o", out, "--cover", "none"]
    for moment, signum, group in [
        (started, signal.SIGTERM, False),
        (encoding, signal.SIGTERM, False),
        (encoding, signal.SIGHUP, False),
        (encoding, signal.SIGTERM, True),
        (encoding, signal.SIGINT, True),
    ]:
        interrupt(args, env, out.parent, moment, signum, group)
        assert not out.exists()
    result = run_cli(args, env, timeout=240)
    assert result.returncode == 0, result.stderr
    assert_same_media(out, reference)  # byte for byte; else the message says which stream and packets differ


def test_a_media_mismatch_says_what_differs(tmp_path):
    """What the byte comparisons above report when they fail: the stream and packets, or the container."""

    def encode(name: str, *options: str) -> Path:
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=s=64x64:r=10:d=2",
                "-f",
                "lavfi",
                "-i",
                "sine=duration=2",
                "-c:v",
                "libx264",
                *options,
                "-c:a",
                "aac",
                str(tmp_path / name),
            ],
            check=True,
        )
        return tmp_path / name

    one, other = encode("one.mp4", "-crf", "20"), encode("other.mp4", "-crf", "30")
    tagged = tmp_path / "tagged.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(one),
            "-map",
            "0",
            "-c",
            "copy",
            "-metadata",
            "title=x",
            str(tagged),
        ],
        check=True,
    )
    assert_same_media(one, one)
    sizes = f"({one.stat().st_size} vs {tagged.stat().st_size} bytes)"
    assert media_difference(one, tagged).endswith(f"so the container only {sizes}")
    described = media_difference(one, other)
    assert described.startswith("video 20 of 20 packets differ, first #0") and "audio packets identical" in described
    with pytest.raises(AssertionError, match="differ: video 20 of 20 packets differ"):
        assert_same_media(one, other)


def test_run_and_batch_stop_cleanly_and_resume_identically(tmp_path, env, season):
    """``run --dub`` of one episode, then ``batch`` of both, each stopped twice, into one output
    folder: the batch that finishes it gives the bytes of an uninterrupted batch."""
    run = ["run", season / "ep01.mp4", "--source-subs", season / "ep01.srt", "--markets", market(season), "--dub"]
    batch = ["batch", season, "--markets", market(season), "--dub", "--sidecar-subs", "--jobs", "2"]
    reference, out = tmp_path / "reference" / "out", tmp_path / "out"  # one name: the report shows it
    result = run_cli([*batch, "-o", reference], env, timeout=300)
    assert result.returncode == 0, result.stderr
    # each moment is still ahead: an interrupted episode's stage was not cached
    interrupt([*run, "-o", out], env, out, synthesizing, signal.SIGTERM)
    interrupt([*run, "-o", out], env, out, encoding, signal.SIGHUP)
    interrupt(
        [*batch, "-o", out], env, out, synthesizing, signal.SIGTERM
    )  # the batch process only: it stops its workers
    interrupt([*batch, "-o", out], env, out, encoding, signal.SIGHUP, group=True)  # every process at once
    result = run_cli([*batch, "-o", out], env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert_same_outputs(out, reference)


def test_children_die_with_a_killed_process(tmp_path, env):
    """SIGKILL runs no cleanup, but no ffmpeg goes on encoding for nobody (PR_SET_PDEATHSIG)."""
    video, subs = FIXTURES / "episode_zh_hardsub" / "episode.mp4", FIXTURES / "episode_en" / "reference.srt"
    out = tmp_path / "out"
    mark = uuid.uuid4().hex
    process = subprocess.Popen(
        [*LOCALIZE, "burn", str(video), str(subs), "-o", str(out / "b.mp4"), "--cover", "none"],
        env=env | {MARK: mark},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while not encoding(ours(mark), out):
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 10
    while ours(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not ours(mark)
    shutil.rmtree(env["TMPDIR"])
    os.mkdir(env["TMPDIR"])


def test_a_stop_signal_during_cleanup_is_raised_after_it():
    """A signal that lands while a partial file or build folder is being removed must not cut
    the removal short (it left a cache build folder under load); it is raised right after."""
    script = (
        "import os, signal, sys\n"
        "from localize.processes import catch_signals, shielded\n"
        "catch_signals()\n"
        "try:\n"
        "    with shielded():\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        print('cleanup finished', flush=True)\n"
        "    print('after the block', flush=True)\n"
        "except SystemExit as stop:\n"
        "    print(stop, flush=True)\n"
        "    raise\n"
    )
    result = _python(script)
    assert result.returncode == 128 + signal.SIGTERM, result.stderr
    assert result.stdout.splitlines() == ["cleanup finished", "Aborted (SIGTERM)"]


def test_the_library_catches_stop_signals_only_inside_stop_signals():
    """Importing the library installs no handler; ``stop_signals()`` does for its block only."""
    script = (
        "import os, signal, time\n"
        "import localize.delivery, localize.pipeline\n"
        "from localize.processes import Interrupted, stop_signals\n"
        "print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, flush=True)\n"
        "try:\n"
        "    with stop_signals():\n"
        "        os.kill(os.getpid(), signal.SIGHUP)\n"
        "        time.sleep(30)\n"
        "except Interrupted as stop:\n"
        "    print(stop, stop.code, flush=True)\n"
        "print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGTERM)\n"
    )
    result = _python(script)
    assert result.returncode == -signal.SIGTERM, result.stderr
    assert result.stdout.splitlines() == ["True", "Aborted (SIGHUP) 129", "True"]


def test_a_stop_signal_kills_the_children_of_every_thread(tmp_path, env):
    """A child another thread waits for (the review server re-renders in a thread) is killed too,
    and that thread unwinds before the process exits: its partial output goes."""
    script = (
        "import sys, threading, time\n"
        "from localize.fileio import atomic_path\n"
        "from localize.media import media_arg, run_ffmpeg\n"
        "from localize.processes import catch_signals\n"
        "catch_signals()\n"
        "def encode():\n"
        "    with atomic_path(sys.argv[1]) as part:\n"
        "        run_ffmpeg(['-re', '-f', 'lavfi', '-i', 'testsrc=s=64x64:r=10:d=60', media_arg(part)], 'encoding')\n"
        "threading.Thread(target=encode).start()\n"
        "time.sleep(60)\n"
    )
    out, mark = tmp_path / "out", uuid.uuid4().hex
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(out / "slow.mp4")], env=env | {MARK: mark}, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not encoding_any(ours(mark), out):
        assert process.poll() is None and time.monotonic() < deadline, process.stderr.read() if process.stderr else ""
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert not ours(mark) and not list(out.iterdir())


def encoding_any(commands: list[list[str]], out: Path) -> bool:
    """An ffmpeg of ours runs and has written part of its output."""
    running = any(c and Path(c[0]).name == "ffmpeg" for c in commands)
    return running and any(p.stat().st_size > 0 for p in part_files(out) if p.exists())
