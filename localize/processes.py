"""Process lifetime: stop signals unwind the stack, children never outlive us.

A batch runner stops a job with SIGTERM (``timeout``, ``docker stop``, systemd, a CI
cancel), SIGHUP (a closed SSH session) or SIGINT (Ctrl-C). :func:`catch_signals` turns
each into :class:`Interrupted`, so every ``finally`` runs: children are killed and reaped
before partial outputs and temporary folders are removed. Children started with
:func:`child` never read our stdin and, on Linux, are killed when we die, even by SIGKILL.
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import subprocess
import sys
from typing import Any, Callable, Iterator, Sequence

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>

_received: list[int] = []  # the stop signal that arrived, once one has


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
        raise Interrupted(signum)


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
    process = subprocess.Popen(list(cmd), stdin=stdin, preexec_fn=_die_with(os.getpid()), **options)
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


def _die_with(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking Linux to SIGKILL the child when ``parent`` dies (None elsewhere)."""
    prctl = _prctl()
    if prctl is None:
        return None

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() != parent:  # the parent died before the request was in place
            os._exit(1)

    return arm


@functools.lru_cache(maxsize=1)
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
