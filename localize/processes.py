"""Process lifetime: stop signals unwind the stack, children never outlive us.

A batch runner stops a job with SIGTERM (``timeout``, ``docker stop``, systemd, a CI
cancel), SIGHUP (a closed SSH session) or SIGINT (Ctrl-C). :func:`catch_signals` turns
each into :class:`Interrupted`, so every ``finally`` runs: children are killed and reaped
before partial outputs and temporary folders are removed. Children started with
:func:`child` never read our stdin and, on Linux, are killed when we die, even by SIGKILL.
"""
from __future__ import annotations

import contextlib
import functools
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)

_received: list[int] = []  # the stop signal that arrived, once one has
_shield = [0]  # how many :func:`shielded` blocks are open


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


def _raise_once(signum: int, frame: Any) -> None:
    if not _received:
        _received.append(signum)
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

    Reaped before the block's exception goes on, so the child can no longer write to a
    file the caller is about to remove. ``options`` go to :class:`subprocess.Popen`.
    """
    process = subprocess.Popen([*_die_with_us(), *cmd], stdin=stdin, **options)
    with process:  # closes the pipes, then waits
        try:
            yield process
        except BaseException:
            process.kill()
            process.wait()
            raise


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
        works = bool(prefix) and subprocess.run([*prefix, sys.executable, "-I", "-S", "-c", ""],
                                                stdin=subprocess.DEVNULL, capture_output=True).returncode == 0
    except OSError:
        works = False
    return prefix if works else ()
