"""Many episodes at once: a local process pool or Ray tasks, resumable, failure-tolerant.

Each episode runs :func:`localize.pipeline.run.run_episode` in its own worker. A broken
episode is reported and the others go on. Stage results are cached under the output
folder, so running the same batch again redoes only what is missing. At the end the
title-level files are written: ``OUT/title.json`` (per-episode status and the glossary
consistency check across episodes) and ``OUT/report.html``. After ``ENDPOINT_FAILURES``
episodes in a row failed by the LLM endpoint (dead, slow, refusing, answering nothing
usable) the episodes not yet started are skipped: the endpoint is not asked again.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import select
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from localize.errors import ConfigError, LocalizeError, ModelError, OptionError
from localize.pipeline.cache import process_alive
from localize.pipeline.episodes import ENDPOINT_FAILURES, SKIPPED, BatchResult, Episode, EpisodeResult, find_episodes
from localize.pipeline.keys import RunOptions, _checked
from localize.pipeline.markets import BUILTIN_DIR, MarketProfile, load_markets
from localize.processes import STOP_SIGNALS, THREADS_ENV, catch_signals, check_interrupted, cpu_count
from localize.validate import PATH_TYPES, as_flag, as_folder, as_int, as_items, as_optional_text, as_text, public

#: Environment a local Ray instance's workers need to see the same models and caches as the driver.
FORWARDED_ENV = (
    "ARGOS_PACKAGES_DIR",
    "LOCALIZE_CACHE",
    "HOME",
    "XDG_CACHE_HOME",
    "XDG_DATA_HOME",
    "XDG_CONFIG_HOME",
    "PATH",
)


@public(options=RunOptions)
def batch(
    inputs: Sequence[str | Path | Episode],
    markets: str | Sequence[str | MarketProfile],
    output_dir: str | Path,
    jobs: int = 1,
    executor: str = "local",
    address: str | None = None,
    *,
    dub: bool = False,
    sidecar_subs: bool = False,
    on_done: Callable[[EpisodeResult], None] | None = None,
    options: RunOptions | None = None,
) -> BatchResult:
    """Run every episode for every market; never stop at a broken one.

    ``executor`` is "local" (a pool of ``jobs`` processes) or "ray" (Ray tasks on a local
    instance with ``jobs`` CPUs, or the cluster at ``address``). ``options`` (a
    :class:`RunOptions`: language, glossaries, models...) go to :func:`run_episode` for
    every episode. ``on_done`` is called as each episode finishes (for progress bars).
    """
    started = time.perf_counter()
    inputs, output_dir = as_items(inputs, "inputs", (*PATH_TYPES, Episode)), as_folder(output_dir, "output_dir")
    jobs, dub, sidecar_subs = (
        as_int(jobs, "jobs", 1, error=OptionError),
        as_flag(dub, "dub"),
        as_flag(sidecar_subs, "sidecar_subs"),
    )
    check_executor(executor, address)
    options = _checked(options)
    runner = {"local": _run_local, "ray": _run_ray}[executor]
    profiles = load_markets(
        markets if isinstance(markets, str) else as_items(markets, "markets", (*PATH_TYPES, MarketProfile), one=False)
    )
    if all(isinstance(e, Episode) for e in inputs):
        episodes = list(inputs)
    else:
        episodes = find_episodes(inputs, sidecar_subs, exclude=output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    # built-ins by code (their path differs between machines), user markets by path
    codes = [m.code if m.path and Path(m.path).parent == BUILTIN_DIR else m.path or m.code for m in profiles]
    tasks = [(e, codes, str(output_dir), dub, options) for e in episodes]
    done = runner(tasks, jobs, address, on_done or (lambda r: None))
    order = {e.name: i for i, e in enumerate(episodes)}
    results = sorted(done, key=lambda r: order[r.episode])
    from localize.pipeline.report import write_title

    title = write_title(output_dir)
    return BatchResult(results, round(time.perf_counter() - started, 3), title)


def check_executor(executor: str, address: str | None) -> None:
    """Fail before any work on an unknown executor, a misplaced address or an unreachable cluster."""
    if as_text(executor, "executor", error=OptionError) not in ("local", "ray"):
        raise OptionError(f"unknown executor {executor!r} (use local or ray)")
    if as_optional_text(address, "address", error=OptionError) and executor != "ray":
        raise OptionError("--address only applies to --executor ray")
    if address:
        _check_reachable(address)


def run_one(task: tuple[Episode, list[str], str, bool, RunOptions | None]) -> EpisodeResult:
    """Run one episode in a worker; any failure becomes a result, never an exception."""
    from localize.pipeline.run import run_episode

    episode, markets, output_dir, dub, options = task
    check_interrupted()  # a worker told to stop starts nothing new
    started = time.perf_counter()
    try:
        manifest = run_episode(
            episode.media,
            markets,
            output_dir,
            dub=dub,
            source_subs=episode.source_subs,
            episode=episode.name,
            options=options,
        )
    except LocalizeError as error:
        from localize.translation import EndpointError

        return EpisodeResult(
            episode.name,
            False,
            _since(started),
            " ".join(str(error).split()),
            endpoint_failed=isinstance(error, EndpointError),
        )
    except Exception as error:  # noqa: BLE001 - a bug in one episode must not stop the batch
        where = traceback.extract_tb(error.__traceback__)[-1]
        message = f"{type(error).__name__}: {error} ({Path(where.filename).name}:{where.lineno})"
        return EpisodeResult(episode.name, False, _since(started), " ".join(message.split()))
    cached = manifest.run.up_to_date or all(s.cached for s in manifest.run.stages.values())
    return EpisodeResult(
        episode.name, True, _since(started), cached=cached, markets=list(manifest.markets), edited=manifest.edits_note()
    )


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)


class _Breaker:
    """Counts episodes failed by the LLM endpoint in a row; opens at ``ENDPOINT_FAILURES``."""

    def __init__(self) -> None:
        self.streak = 0

    def opens(self, result: EpisodeResult) -> bool:
        """Whether ``result`` makes the streak reach the limit (the rest are then skipped)."""
        self.streak = self.streak + 1 if result.endpoint_failed else 0
        return self.streak == ENDPOINT_FAILURES


def _run_local(tasks: list, jobs: int, address: str | None, on_done: Callable) -> list[EpisodeResult]:
    results = []
    breaker = _Breaker()
    # forkserver: workers fork from a clean server, never from a parent whose threads (OpenMP, ONNX) may hold locks
    context = multiprocessing.get_context("forkserver")
    workers = min(jobs, len(tasks)) or 1
    _start_helpers()
    shares = context.SimpleQueue()
    for share in _core_shares(workers):
        shares.put(share)
    waiting = iter(tasks)  # handed out one per free worker, so a skipped episode never sits in a queue
    with ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(shares, os.getpid(), max(1, cpu_count() // workers)),
    ) as pool:
        running = {pool.submit(run_one, t): t[0].name for t in itertools.islice(waiting, workers)}
        try:
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    name = running.pop(future)
                    try:
                        result = future.result()
                    except Exception as error:  # noqa: BLE001 - a worker died (out of memory, killed)
                        result = EpisodeResult(name, False, 0.0, f"worker died: {type(error).__name__}")
                    results.append(result)
                    on_done(result)
                    if breaker.opens(result):
                        results += _skip([t[0].name for t in waiting], on_done)
                    for task in itertools.islice(waiting, 1):
                        running[pool.submit(run_one, task)] = task[0].name
        except BaseException:  # interrupted (here, or a worker's Interrupted came back): stop every worker
            _stop_workers(pool)
            raise
    return results


def _skip(names: list[str], on_done: Callable) -> list[EpisodeResult]:
    """Results for episodes not started because the LLM endpoint kept failing."""
    skipped = [EpisodeResult(name, False, 0.0, SKIPPED) for name in names]
    for result in skipped:
        on_done(result)
    return skipped


def _start_helpers() -> None:
    """Start multiprocessing's forkserver (and its resource tracker) deaf to stop signals.

    A signal to the whole process group must not kill them while the workers, their
    children, still clean up; they exit by themselves when the batch process does.
    """
    from multiprocessing import forkserver

    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)  # inherited; workers unblock them
    try:
        forkserver.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Start no queued episode, and SIGTERM the workers: each one's :class:`Interrupted` removes its
    episode's partial files and kills its ffmpeg; leaving the ``with`` block waits for them."""
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in multiprocessing.active_children():
        worker.terminate()


def _core_shares(workers: int) -> list[set[int]]:
    """Split this process's CPU cores between ``workers``, so their threads don't fight (one worker: all)."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if workers == 1 or not cores:
        return [set(cores)] * workers
    return [set(cores[i::workers]) or {cores[i % len(cores)]} for i in range(workers)]


def _start_worker(shares: Any, batch_pid: int, threads: int) -> None:
    """Pool initializer: die with the batch process, stop on its signals (as the CLI does), and
    take a share of the cores and of the threads (the stages size their thread pools by
    :func:`~localize.processes.cpu_count`, which a CPU quota shared by all workers would not split)."""
    _die_with(batch_pid)
    catch_signals()
    os.environ[THREADS_ENV] = str(threads)
    share = shares.get()
    if share and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, share)


def _die_with(batch_pid: int) -> None:
    """Kill this worker as soon as the batch process ``batch_pid`` exits, however it exits.

    The pool's forkserver outlives a batch process killed with ``kill -9`` for as long as
    its workers do, so the worker watches the batch process itself: through a pidfd
    (Linux 5.3+), else by polling once a second.
    """
    try:
        handle = os.pidfd_open(batch_pid)
    except (AttributeError, OSError):
        handle = None
    if not process_alive(batch_pid):
        os._exit(1)

    def watch() -> None:
        if handle is not None:
            select.select([handle], [], [])
        else:
            while process_alive(batch_pid):
                time.sleep(1)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="die-with-batch", daemon=True).start()


def _check_reachable(address: str) -> None:
    """Fail in seconds on a wrong ``host:port`` (Ray itself keeps retrying for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto", "local" and other forms Ray resolves itself
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as error:
        raise ConfigError(f"cannot reach the Ray cluster at {address}: {error.strerror or error}") from None


def _run_ray(tasks: list, jobs: int, address: str | None, on_done: Callable) -> list[EpisodeResult]:
    try:
        import ray
    except ImportError:
        raise ModelError("the ray executor needs Ray: pip install 'localize[ray]'") from None
    started_here = not ray.is_initialized()
    if started_here:
        if address:  # a cluster's nodes keep their own environment
            kwargs: dict[str, Any] = {"address": address}
        else:
            env = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
            kwargs = {"num_cpus": jobs, "include_dashboard": False, "runtime_env": {"env_vars": env}}
        try:
            ray.init(**kwargs, log_to_driver=False, configure_logging=False)
        except Exception as error:  # noqa: BLE001 - Ray raises many kinds; the user needs one line
            where = f"reach the Ray cluster at {address}" if address else "start a local Ray instance"
            raise ModelError(f"cannot {where}: {type(error).__name__}: {error}") from None
    remote = ray.remote(num_cpus=1, max_retries=0)(run_one)
    breaker = _Breaker()
    try:
        pending = {remote.remote(t): t[0].name for t in tasks}
        results = []
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            name = pending.pop(ready[0])
            try:
                result = ray.get(ready[0])
            except Exception as error:  # noqa: BLE001 - a worker died
                result = EpisodeResult(name, False, 0.0, f"worker died: {type(error).__name__}")
            results.append(result)
            on_done(result)
            if breaker.opens(result):
                for ref in pending:  # Ray has them all: queued ones never start, running ones stop
                    ray.cancel(ref)
                results += _skip(list(pending.values()), on_done)
                pending.clear()
        return results
    finally:
        if started_here:
            ray.shutdown()
