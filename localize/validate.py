"""Argument checks for the public library functions: a wrong type or value is an
:class:`~localize.errors.InputError` naming the argument, never a raw ``TypeError``.

Each returns the value in the form the function works with (a ``Path``, an ``int``...).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from localize.errors import InputError

PATH_TYPES = (str, os.PathLike)  # what a file path may be given as


def shown(value: Any) -> str:
    """A value for a message: its type, and its repr when short."""
    text = repr(value)
    kind = type(value).__name__
    return f"{kind} {text}" if len(text) <= 40 and not text.startswith("<") else kind


def as_path(value: Any, what: str) -> Path:
    """A file path given as ``str`` or ``os.PathLike`` (not empty)."""
    if isinstance(value, PATH_TYPES) and not isinstance(value, bytes) and str(value):
        return Path(value)
    raise InputError(f"{what} must be a file path (str or pathlib.Path), got {shown(value)}")


def as_optional_path(value: Any, what: str) -> Path | None:
    return None if value is None else as_path(value, what)


def as_text(value: Any, what: str, choices: Iterable[str] | None = None) -> str:
    """A string, one of ``choices`` when given."""
    if not isinstance(value, str):
        raise InputError(f"{what} must be a string, got {shown(value)}")
    options = list(choices) if choices is not None else None
    if options is not None and value not in options:
        raise InputError(f"{what}: unknown value {value!r} (choose {', '.join(options)})")
    return value


def as_optional_text(value: Any, what: str, choices: Iterable[str] | None = None) -> str | None:
    return None if value is None else as_text(value, what, choices)


def as_int(value: Any, what: str, low: int | None = None, high: int | None = None) -> int:
    """A whole number (not a bool) within ``low``..``high``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise InputError(f"{what} must be a whole number, got {shown(value)}")
    return int(_in_range(value, what, low, high))


def as_number(value: Any, what: str, low: float | None = None, high: float | None = None) -> float:
    """A real number (not a bool, not NaN) within ``low``..``high``."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
        raise InputError(f"{what} must be a number, got {shown(value)}")
    return float(_in_range(value, what, low, high))


def _in_range(value: Any, what: str, low: float | None, high: float | None) -> Any:
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"from {low} to {high}"
            if low is not None and high is not None
            else f"at least {low}"
            if low is not None
            else f"at most {high}"
        )
        raise InputError(f"{what} must be {bounds}, got {value}")
    return value


def as_times(value: Any, what: str) -> list[int]:
    """A list or tuple of times in ms (finite numbers, rounded to whole ms)."""
    return [round(as_number(v, f"each of {what}")) for v in as_items(value, what, (object,), one=False)]


def as_band(value: Any, what: str = "band") -> tuple[float, float] | None:
    """``None`` or (top, bottom) fractions of the picture's height (their range is checked
    where the height is known)."""
    if value is None:
        return None
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise InputError(f"{what} must be (top, bottom) fractions of the height, e.g. (0.7, 0.9), got {shown(value)}")
    top, bottom = (as_number(v, what) for v in value)
    return top, bottom


def as_items(value: Any, what: str, kinds: tuple[type, ...], one: bool = True) -> list[Any]:
    """A list or tuple of ``kinds`` (or, with ``one``, a single string or path standing for itself)."""
    if one and isinstance(value, PATH_TYPES):
        return [value]
    if not isinstance(value, (list, tuple)):
        raise InputError(f"{what} must be a list, got {shown(value)}")
    for item in value:
        if not isinstance(item, kinds) or isinstance(item, (bool, bytes)):
            raise InputError(f"{what}: each item must be {' or '.join(k.__name__ for k in kinds)}, got {shown(item)}")
    return list(value)


Options = TypeVar("Options")


def as_options(value: Any, kind: type[Options], what: str = "options") -> Options:
    """An options dataclass: ``None`` is its defaults; anything but a ``kind`` is an error."""
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise InputError(f"{what} must be a {kind.__name__}, got {shown(value)}")
    return value
