"""Safe file writing: every output lands whole or not at all."""
from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from localize.errors import InputError
from localize.processes import shielded


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


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's contents, read in 4 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def refuse_overwrite(outputs: Iterable[str | os.PathLike[str] | None],
                     inputs: Iterable[str | os.PathLike[str] | None]) -> None:
    """Raise :class:`InputError` when an output is one of the inputs, or two outputs are one file.

    An input is never overwritten: ``translate a.srt -o a.srt`` is refused before any work.
    """
    given_inputs = [Path(p) for p in inputs if p is not None]
    given_outputs = [Path(p) for p in outputs if p is not None]
    for index, output in enumerate(given_outputs):
        clash = next((i for i in given_inputs if _same_file(output, i)), None)
        if clash is not None:
            raise InputError(f"{output}: is an input of this command; write the output elsewhere (inputs are never overwritten)")
        if any(_same_file(output, other) for other in given_outputs[index + 1:]):
            raise InputError(f"{output}: given for two different outputs")
