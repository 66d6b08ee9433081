"""Background jobs of the review server (re-renders): one thread each, polled by the page."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from localize.errors import InputError, LocalizeError
from localize.processes import Interrupted
from localize.review.catalog import NotFound

MAX_LOG = 200


@dataclass
class Job:
    """One job: what it works on, its state ("running", "done", "failed"), its log lines and error."""

    id: str
    key: str
    state: str = "running"
    log: list[str] = field(default_factory=list)
    error: str | None = None
    started: float = field(default_factory=time.time)
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "key": self.key,
            "state": self.state,
            "log": list(self.log[-MAX_LOG:]),
            "error": self.error,
            "seconds": self.seconds,
        }


class Jobs:
    """Jobs by id; at most one running per key (an episode and market)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def start(self, key: str, work: Callable[[Callable[[str], None]], Any]) -> Job:
        """Run ``work(log)`` in a thread; :class:`InputError` when a job for ``key`` is still running."""
        with self._lock:
            if any(j.key == key and j.state == "running" for j in self._jobs.values()):
                raise InputError(f"{key}: a re-render is already running")
            job = Job(str(next(self._ids)), key)
            self._jobs[job.id] = job
        # not a daemon: on a stop signal its child is killed and it unwinds (partial files removed) before we exit
        threading.Thread(target=self._run, args=(job, work), name=f"review-job-{job.id}").start()
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            if job_id not in self._jobs:
                raise NotFound(f"no job {job_id!r}")
            return self._jobs[job_id]

    def _run(self, job: Job, work: Callable[[Callable[[str], None]], Any]) -> None:
        try:
            work(job.log.append)
            job.state = "done"
        except (LocalizeError, OSError) as error:
            job.error, job.state = " ".join(str(error).split()), "failed"
        except Exception as error:  # a job thread must always end in a state the page can show
            job.error, job.state = f"{type(error).__name__}: {error}", "failed"
        except Interrupted as stop:  # the server stops: the job's partial files are gone (no traceback)
            job.error, job.state = str(stop), "failed"
        finally:
            job.seconds = round(time.time() - job.started, 3)
