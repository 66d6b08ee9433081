"""A content-addressed cache of stage results, safe against crashes and ``kill -9``.

Each entry is a folder ``<root>/<stage>/<key>/`` named by the SHA-256 of everything the
stage's result depends on (input hashes, settings, tool versions, the stage's own source
code). An entry is built in a temporary folder beside it and renamed into place in one
step, so a killed run leaves either a whole entry or nothing (plus a stray ``.tmp-*``
folder, named after the process that made it, which :meth:`StageCache.sweep` removes on
the next run once that process is gone).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from localize.processes import shielded

STALE_TMP_SECONDS = 3600


def canonical(value: Any) -> bytes:
    """Stable JSON bytes for hashing: sorted keys, no whitespace, str() for the rest."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def hash_value(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


@cache
def code_version(*module_names: str) -> str:
    """SHA-256 (16 hex) of the ``.py`` sources of packages or modules: results go stale when code changes.

    A stage names its package and the shared modules below it that it runs (``localize.vad``...).
    """
    import importlib.util

    digest = hashlib.sha256()
    for module_name in module_names:
        spec = importlib.util.find_spec(module_name)
        if spec is None or spec.origin is None:
            return "missing"
        origin = Path(spec.origin)
        for file in sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


class StageCache:
    """Folders of stage results under ``root``, keyed by content hash."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def entry(self, stage: str, key: str) -> Path:
        return self.root / stage / key

    def get(self, stage: str, key: str) -> Path | None:
        path = self.entry(stage, key)
        return path if path.is_dir() else None

    def discard(self, stage: str, key: str) -> None:
        """Forget one entry (a result that is usable now but should be built again next time)."""
        shutil.rmtree(self.entry(stage, key), ignore_errors=True)

    def sweep(self) -> int:
        """Remove the temporary folders of builds whose process has died; how many were removed."""
        removed = 0
        for tmp in self.root.glob("*/.tmp-*") if self.root.is_dir() else []:
            if _abandoned(tmp):
                shutil.rmtree(tmp, ignore_errors=True)
                removed += 1
        return removed

    @contextlib.contextmanager
    def put(self, stage: str, key: str) -> Iterator[Path]:
        """Yield a fresh folder to fill; it becomes the entry only if the block succeeds."""
        parent = self.root / stage
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{key[:12]}-{socket.gethostname()}-{os.getpid()}-", dir=parent))
        try:
            yield tmp
            try:
                os.rename(tmp, parent / key)
            except OSError:  # another worker finished the same entry first: keep theirs
                if not (parent / key).is_dir():
                    raise
        finally:
            with shielded():
                shutil.rmtree(tmp, ignore_errors=True)

    def compute(self, stage: str, key: str, build: Callable[[Path], None]) -> tuple[Path, bool]:
        """The entry for ``key``, building it with ``build(folder)`` if absent; also says if it was a hit."""
        found = self.get(stage, key)
        if found is not None:
            return found, True
        with self.put(stage, key) as folder:
            build(folder)
        return self.entry(stage, key), False

    def read_json(self, stage: str, key: str, build: Callable[[], Any]) -> tuple[Any, bool]:
        """A JSON-able result cached as ``result.json``; ``build()`` makes it on a miss."""

        def write(folder: Path) -> None:
            (folder / "result.json").write_bytes(canonical(build()))

        folder, hit = self.compute(stage, key, write)
        return json.loads((folder / "result.json").read_text(encoding="utf-8")), hit


def _abandoned(tmp: Path) -> bool:
    """True for a build folder whose process is gone: it names this host and a dead pid, or
    (another host's, or an older name) it has not changed for an hour."""
    parts = tmp.name.split("-")
    if len(parts) >= 5 and parts[-2].isdigit() and "-".join(parts[2:-2]) == socket.gethostname():
        return not process_alive(int(parts[-2]))
    try:
        return tmp.stat().st_mtime < time.time() - STALE_TMP_SECONDS
    except OSError:
        return False


def process_alive(pid: int) -> bool:
    """True while process ``pid`` exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
