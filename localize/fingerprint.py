"""What identifies an engine's results, for cache keys: its name, its package's version, its model.

Every engine registry (speech recognition, OCR, translation, voices, speaker encoders)
holds entries with a ``fingerprint(model=None)``: classes get it from :class:`Fingerprinted`,
factory functions from :class:`Factory`. The pipeline puts fingerprints in its stage cache
keys, so a new engine, a new package version or a new model makes new results by itself.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Generic, Protocol, TypeVar

from localize.fileio import sha256_file

T = TypeVar("T")
Fingerprint = dict[str, Any]


def package_version(name: str | None) -> str | None:
    """The installed version of distribution ``name`` (None when absent or not given)."""
    if not name:
        return None
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a model file, computed once per process while its size and mtime stay the same."""
    stat = os.stat(path)
    return _digest(os.fspath(path), stat.st_size, stat.st_mtime_ns)


@functools.cache
def _digest(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


def fingerprint(name: str, package: str | None, model: Any = None) -> Fingerprint:
    """``{"name", "package", "version", "model"}``; ``model`` is a model's name or hash (None without one)."""
    return {"name": name, "package": package, "version": package_version(package), "model": model}


class HasFingerprint(Protocol):
    def fingerprint(self, model: str | None = None) -> Fingerprint: ...


class Fingerprinted:
    """Mixin for engine classes: ``name`` and ``package`` class attributes give the fingerprint."""

    name: str
    package: str | None = None

    @classmethod
    def fingerprint(cls, model: str | None = None) -> Fingerprint:
        return fingerprint(cls.name, cls.package, model)


@dataclass(frozen=True)
class Factory(Generic[T]):
    """An engine made by a function: calling it calls ``make``; ``model_id`` names or hashes the model used."""

    name: str
    make: Callable[..., T]
    package: str | None = None
    model_id: Callable[[str | None], Any] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> T:
        return self.make(*args, **kwargs)

    def fingerprint(self, model: str | None = None) -> Fingerprint:
        return fingerprint(self.name, self.package, self.model_id(model) if self.model_id else model)
