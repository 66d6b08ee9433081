"""Safe file writing (every output lands whole or not at all), and facts about a file's content read once.

:class:`FileMemo` remembers what was computed from a file (its SHA-256 here, its ffprobe
result in :mod:`localize.media`, a parsed glossary, the speaker registry) for as long as
the file is unchanged, so the stages of one episode run (and the episodes of a batch
worker) probe, hash and parse each file once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar

from localize.errors import InputError
from localize.processes import shielded

log = logging.getLogger(__name__)
T = TypeVar("T")
#: a file changed less than this long ago (ns) is not remembered: a change within the same
#: file-system clock tick would keep its size and mtime (git's "racily clean" case)
SETTLE_NS = 1_000_000_000


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left untouched.
    The temporary name keeps the target's suffix so tools that sniff it (ffmpeg) work.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".part{target.suffix}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        with shielded(), contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(target: str | os.PathLike[str], data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> None:
    write_bytes_atomic(target, text.encode(encoding))


def file_key(path: str | os.PathLike[str]) -> tuple[str, int, int, int, int] | None:
    """(resolved path, device, inode, size, mtime_ns): what changes when the file's content does.

    None when the file cannot be read or changed within the last :data:`SETTLE_NS` (then
    nothing about it is remembered). Atomic writes (:func:`atomic_path`) give a new inode.
    """
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if time.time_ns() - stat.st_mtime_ns < SETTLE_NS:
        return None
    return str(Path(path).resolve()), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


class FileMemo(Generic[T]):
    """``compute(path)`` remembered per file content (:func:`file_key`), the ``maxsize`` latest (LRU).

    ``named``: the result names the file as the caller spelled it (error origins), so the
    spelling is part of the key. Values are shared between callers: make them immutable,
    or copy them before handing them out. Failures are not remembered. ``computed`` counts
    the calls of ``compute`` (what a test counts).
    """

    def __init__(self, compute: Callable[[Path], T], maxsize: int, named: bool = False) -> None:
        self.compute, self.maxsize, self.named = compute, maxsize, named
        self.computed = 0
        self._entries: OrderedDict[Hashable, T] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, path: str | os.PathLike[str]) -> T:
        path = Path(path)
        identity = file_key(path)
        key: Any = (identity, str(path) if self.named else None)
        with self._lock:
            if identity is not None and key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = self.compute(path)
        with self._lock:
            self.computed += 1
            if identity is not None and file_key(path) == identity:  # unchanged while computed
                self._entries[key] = value
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
        return value


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's contents, read in 4 MiB blocks; once per file content (:class:`FileMemo`)."""
    return _SHA256(path)


def _sha256(path: Path) -> str:
    log.debug("sha256 of %s", path)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


_SHA256: FileMemo[str] = FileMemo(_sha256, maxsize=512)


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def refuse_overwrite(
    outputs: Iterable[str | os.PathLike[str] | None], inputs: Iterable[str | os.PathLike[str] | None]
) -> None:
    """Raise :class:`InputError` when an output is one of the inputs, or two outputs are one file.

    An input is never overwritten: ``translate a.srt -o a.srt`` is refused before any work.
    """
    given_inputs = [Path(p) for p in inputs if p is not None]
    given_outputs = [Path(p) for p in outputs if p is not None]
    for index, output in enumerate(given_outputs):
        clash = next((i for i in given_inputs if _same_file(output, i)), None)
        if clash is not None:
            raise InputError(
                f"{output}: is an input of this command; write the output elsewhere (inputs are never overwritten)"
            )
        if any(_same_file(output, other) for other in given_outputs[index + 1 :]):
            raise InputError(f"{output}: given for two different outputs")
