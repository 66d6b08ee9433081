"""Process lifetime: stop signals unwind the stack, children never outlive us.

A batch runner stops a job with SIGTERM (``timeout``, ``docker stop``, systemd, a CI
cancel), SIGHUP (a closed SSH session) or SIGINT (Ctrl-C). :func:`catch_signals` turns
each into :class:`Interrupted`, so every ``finally`` runs: children are killed and reaped
before partial outputs and temporary folders are removed. Children started with
:func:`child` never read our stdin and, on Linux, are killed when we die, even by SIGKILL.
:func:`cpu_count` says how many threads the stages and their tools may keep busy.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from localize.errors import ConfigError

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)

THREADS_ENV = "LOCALIZE_THREADS"
CGROUP_ROOT = Path("/sys/fs/cgroup")

_received: list[int] = []  # the stop signal that arrived, once one has
_shield = [0]  # how many :func:`shielded` blocks are open
_live: set[subprocess.Popen] = set()  # the children of every thread, killed when a stop signal arrives


class Interrupted(SystemExit):
    """A stop signal arrived: unwind (every ``finally`` runs), then exit with 128 + its number.

    A :class:`SystemExit`, so ``except Exception`` never swallows it and a process that
    ends with it exits quietly with that code.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum

    def __reduce__(self) -> tuple[type, tuple[int]]:  # sent back from a batch worker
        return type(self), (self.signum,)

    def __str__(self) -> str:
        return f"Aborted ({signal.Signals(self.signum).name})"


def catch_signals() -> None:
    """From now on SIGTERM, SIGHUP and SIGINT raise :class:`Interrupted` in the main thread.

    Only the first one raises; later ones are ignored, so the cleanup it starts runs to the
    end. A signal that was ignored when we started (``nohup``, a background job's SIGINT)
    stays ignored; blocked ones (inherited by batch workers) are unblocked.
    """
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _raise_once)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


@contextlib.contextmanager
def stop_signals() -> Iterator[None]:
    """:func:`catch_signals` for the block only: how a program using the library (not the CLI,
    which catches them for its whole run) gets the same clean stop. Call it in the main thread;
    the previous handlers and signal mask come back after the block.

    Example::

        with stop_signals():
            localize.burn("ep01.mp4", "ep01.en.srt", "ep01.burned.mp4")  # SIGTERM: Interrupted, nothing left
    """
    handlers = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    catch_signals()
    try:
        yield
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)  # None: set outside Python
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        _received.clear()


def _raise_once(signum: int, frame: Any) -> None:
    if not _received:
        _received.append(signum)
        for process in list(_live):  # also those another thread waits for (a review server's re-render)
            process.kill()
        if not _shield[0]:
            raise Interrupted(signum)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Let the block (a cleanup: removing a partial file or build folder) run to its end; a
    stop signal that arrives meanwhile is raised as :class:`Interrupted` right after it."""
    _shield[0] += 1
    try:
        yield
    finally:
        _shield[0] -= 1
    if not _shield[0]:
        check_interrupted()


def check_interrupted() -> None:
    """Raise :class:`Interrupted` if a stop signal has already arrived (no new work after one)."""
    if _received:
        raise Interrupted(_received[0])


@contextlib.contextmanager
def child(cmd: Sequence[str], stdin: Any = subprocess.DEVNULL, **options: Any) -> Iterator[subprocess.Popen]:
    """Start ``cmd`` for the block; it is killed if the block ends by an exception, and always reaped.

    A stop signal kills it whichever thread waits for it; that thread then gets :class:`Interrupted`
    too. Reaped before the block's exception goes on, so the child can no longer write to a
    file the caller is about to remove. Where it dies with us (:func:`_die_with_us`) it runs
    in its own session and process group: a signal to our group (Ctrl-C, ``kill -- -PGID``) reaches us
    only, and we stop it; ffmpeg would otherwise finish its file on SIGINT or SIGTERM, or
    stop while we ignore the signal (``nohup``). ``options`` go to :class:`subprocess.Popen`.
    """
    check_interrupted()  # nothing new starts after a stop signal
    prefix = _die_with_us()
    process = subprocess.Popen([*prefix, *cmd], stdin=stdin, start_new_session=bool(prefix), **options)
    _live.add(process)
    try:
        with process:  # closes the pipes, then waits
            try:
                yield process
            except BaseException:
                process.kill()
                process.wait()
                raise
    finally:
        _live.discard(process)
    check_interrupted()  # a thread whose child the signal killed unwinds like the main thread


def run(cmd: Sequence[str], input: bytes | str | None = None, text: bool = False) -> subprocess.CompletedProcess:
    """Run ``cmd`` to its end with its output captured (a :func:`child`: killed if we are interrupted)."""
    stdin = subprocess.DEVNULL if input is None else subprocess.PIPE
    with child(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=text) as process:
        stdout, stderr = process.communicate(input)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@functools.lru_cache(maxsize=1)
def _die_with_us() -> tuple[str, ...]:
    """A command prefix that has Linux SIGKILL the child when the thread starting it dies
    (util-linux ``setpriv --pdeathsig``; a ``preexec_fn`` would make every start a full
    fork, ~0.1 s in a process holding 2 GB); empty where it is not available."""
    setpriv = shutil.which("setpriv")
    prefix = (setpriv, "--pdeathsig", "KILL", "--") if setpriv else ()
    try:
        works = (
            bool(prefix)
            and subprocess.run(
                [*prefix, sys.executable, "-I", "-S", "-c", ""], stdin=subprocess.DEVNULL, capture_output=True
            ).returncode
            == 0
        )
    except OSError:
        works = False
    return prefix if works else ()


def cpu_count(cgroup_root: Path = CGROUP_ROOT) -> int:
    """How many threads this process should keep busy (Whisper, ONNX, CTranslate2, ffmpeg).

    ``LOCALIZE_THREADS`` when set; else the cores it may run on (affinity), capped by its
    cgroup's CPU quota rounded up: a container started with ``--cpus 2`` on a 64-core host
    lists 64 cores but gets the time of 2, and 64 threads would only fight over it.
    """
    override = os.environ.get(THREADS_ENV, "").strip()
    if override:
        if not override.isdigit() or int(override) < 1:
            raise ConfigError(f"{THREADS_ENV}={override!r}: a whole number of threads, 1 or more")
        return int(override)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = cgroup_cpu_quota(cgroup_root)
    return max(1, min(cores, math.ceil(quota))) if quota else cores


def cgroup_cpu_quota(root: Path = CGROUP_ROOT) -> float | None:
    """CPUs' worth of time this process's cgroups allow (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``);
    the tightest of its own cgroup and those above it, None where none is limited."""
    limits = [limit for folder in _cgroup_folders(root) for limit in (_quota_v2(folder), _quota_v1(folder)) if limit]
    return min(limits, default=None)


def _cgroup_folders(root: Path) -> list[Path]:
    """The folders under ``root`` of this process's cgroup (v2 and v1 ``cpu``) and every one above it."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        lines = []
    own = {"": "/", "cpu": "/"}  # in a container's cgroup namespace its own group is the root
    for line in lines:
        _, controllers, path = line.split(":", 2)
        own["cpu" if "cpu" in controllers.split(",") else controllers] = path
    folders = []
    for base, path in ((root, own[""]), (root / "cpu", own["cpu"]), (root / "cpu,cpuacct", own["cpu"])):
        parts = PurePosixPath(path).parts[1:]
        folders += [base.joinpath(*parts[:depth]) for depth in range(len(parts), -1, -1)]
    return folders


def _quota_v2(folder: Path) -> float | None:
    """``cpu.max``: "QUOTA PERIOD" in microseconds, or "max PERIOD" (no limit)."""
    try:
        quota, period = (folder / "cpu.max").read_text().split()[:2]
        return int(quota) / int(period) if quota != "max" and int(period) > 0 else None
    except (OSError, ValueError):
        return None


def _quota_v1(folder: Path) -> float | None:
    """``cpu.cfs_quota_us`` (-1: no limit) over ``cpu.cfs_period_us``."""
    try:
        quota = int((folder / "cpu.cfs_quota_us").read_text())
        period = int((folder / "cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None
