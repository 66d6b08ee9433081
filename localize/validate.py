"""Argument checks for the public library functions: a wrong type or value is an
:class:`~localize.errors.InputError` naming the argument (an :class:`~localize.errors.OptionError`
for a setting: pass ``error=OptionError``), never a raw ``TypeError``.

Each returns the value in the form the function works with (a ``Path``, an ``int``...).
:func:`public` checks a call against the function's signature; :func:`check_fields` checks an
options dataclass's fields against their annotations.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import numbers
import os
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from localize.errors import InputError, LocalizeError, OptionError

Error = type[LocalizeError]

PATH_TYPES = (str, os.PathLike)  # what a file path may be given as


def shown(value: Any) -> str:
    """A value for a message: its type, and its repr when short."""
    text = repr(value)
    kind = type(value).__name__
    return f"{kind} {text}" if len(text) <= 40 and not text.startswith("<") else kind


def as_path(value: Any, what: str, *, error: Error = InputError) -> Path:
    """A file path given as ``str`` or ``os.PathLike`` (not empty)."""
    if isinstance(value, PATH_TYPES) and not isinstance(value, bytes) and str(value):
        return Path(value)
    raise error(f"{what} must be a file path (str or pathlib.Path), got {shown(value)}")


def as_optional_path(value: Any, what: str, *, error: Error = InputError) -> Path | None:
    return None if value is None else as_path(value, what, error=error)


def as_folder(value: Any, what: str, *, error: Error = InputError) -> Path:
    """A folder's path: a folder, or nothing yet (made later), never a file."""
    folder = as_path(value, what, error=error)
    if folder.exists() and not folder.is_dir():
        raise error(f"{what}: {folder} is not a folder")
    return folder


def as_text(value: Any, what: str, choices: Iterable[str] | None = None, *, error: Error = InputError) -> str:
    """A string, one of ``choices`` when given."""
    if not isinstance(value, str):
        raise error(f"{what} must be a string, got {shown(value)}")
    options = list(choices) if choices is not None else None
    if options is not None and value not in options:
        raise error(f"{what}: unknown value {value!r} (choose {', '.join(options)})")
    return value


def as_optional_text(
    value: Any, what: str, choices: Iterable[str] | None = None, *, error: Error = InputError
) -> str | None:
    return None if value is None else as_text(value, what, choices, error=error)


def as_flag(value: Any, what: str, *, error: Error = OptionError) -> bool:
    """``True`` or ``False`` (numpy's too), not any truthy value."""
    if not isinstance(value, (bool, _np_bool())):
        raise error(f"{what} must be True or False, got {shown(value)}")
    return bool(value)


def _np_bool() -> type:
    numpy = sys.modules.get("numpy")  # a numpy bool exists only where numpy is loaded
    return numpy.bool_ if numpy is not None else bool


def as_int(value: Any, what: str, low: int | None = None, high: int | None = None, *, error: Error = InputError) -> int:
    """A whole number (not a bool) within ``low``..``high``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise error(f"{what} must be a whole number, got {shown(value)}")
    return int(_in_range(value, what, low, high, error))


def as_number(
    value: Any, what: str, low: float | None = None, high: float | None = None, *, error: Error = InputError
) -> float:
    """A real number (not a bool, not NaN) within ``low``..``high``."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not math.isfinite(value):
        raise error(f"{what} must be a number, got {shown(value)}")
    return float(_in_range(value, what, low, high, error))


def _in_range(value: Any, what: str, low: float | None, high: float | None, error: Error) -> Any:
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = (
            f"from {low} to {high}"
            if low is not None and high is not None
            else f"at least {low}"
            if low is not None
            else f"at most {high}"
        )
        raise error(f"{what} must be {bounds}, got {value}")
    return value


def as_times(value: Any, what: str) -> list[int]:
    """A list or tuple of times in ms (finite numbers, rounded to whole ms)."""
    return [round(as_number(v, f"each of {what}")) for v in as_items(value, what, (object,), one=False)]


def as_band(value: Any, what: str = "band") -> tuple[float, float] | None:
    """``None`` or (top, bottom) fractions of the picture's height, also as the CLI's ``"0.7,0.9"``
    (their range is checked where the height is known)."""
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, (tuple, list)) or len(parts) != 2:
        raise OptionError(f"{what} must be (top, bottom) fractions of the height, e.g. (0.7, 0.9), got {shown(value)}")
    top, bottom = (as_number(_number(v), what, error=OptionError) for v in parts)
    return top, bottom


def _number(text: Any) -> Any:
    """A number written in a string as a float (unchanged otherwise, and when it is not one)."""
    try:
        return float(text) if isinstance(text, str) else text
    except ValueError:
        return text


def as_items(
    value: Any, what: str, kinds: tuple[type, ...], one: bool = True, *, error: Error = InputError
) -> list[Any]:
    """A list or tuple of ``kinds`` (or, with ``one``, a single string or path standing for itself)."""
    if one and isinstance(value, PATH_TYPES):
        value = [value]
    if not isinstance(value, (list, tuple)):
        raise error(f"{what} must be a list, got {shown(value)}")
    for item in value:
        if not isinstance(item, kinds) or isinstance(item, (bool, bytes)):
            raise error(f"{what}: each item must be {' or '.join(k.__name__ for k in kinds)}, got {shown(item)}")
        if os.PathLike in kinds and isinstance(item, PATH_TYPES) and not str(item):
            raise error(f"{what}: an empty path")
    return list(value)


Options = TypeVar("Options")


def as_options(value: Any, kind: type[Options], what: str = "options") -> Options:
    """An options dataclass: ``None`` is its defaults; anything but a ``kind`` is an error."""
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise OptionError(f"{what} must be a {kind.__name__}, got {shown(value)}")
    return value


def check_fields(options: Any) -> None:
    """Each field of an options dataclass has a value its annotation allows (:class:`OptionError`
    naming the class and field): ``int``/``float`` are numbers (not bools), a ``Sequence`` is a
    list or tuple, ``Path`` any ``os.PathLike``; a container's items and names the annotations
    cannot see are not checked."""
    kind: Any = type(options)
    for name, hint in _hints(kind).items():
        value = getattr(options, name)
        if not _fits(value, hint):
            raise OptionError(f"{kind.__name__}.{name} must be {_named(hint)}, got {shown(value)}")


@functools.cache
def _hints(kind: Any) -> dict[str, Any]:
    module = sys.modules[kind.__module__]
    hints = {}
    for field in dataclasses.fields(kind):
        try:
            hints[field.name] = eval(str(field.type), vars(module))  # our own annotation, as typing.get_type_hints does
        except NameError:  # a name imported for type checking only: not checked
            continue
    return hints


def _fits(value: Any, hint: Any) -> bool:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_fits(value, arm) for arm in typing.get_args(hint))
    hint = typing.get_origin(hint) or hint
    if hint is Any:
        return True
    if hint is None or hint is type(None):
        return value is None
    if hint in (int, float):
        return isinstance(value, numbers.Integral if hint is int else numbers.Real) and not isinstance(value, bool)
    if hint is Path:
        return isinstance(value, os.PathLike)
    if hint is Sequence:
        return isinstance(value, (list, tuple))
    return isinstance(value, hint) if isinstance(hint, type) else True


HINT_NAMES: dict[Any, str] = {
    str: "a string",
    int: "a whole number",
    float: "a number",
    bool: "True or False",
    Path: "a path",
    Sequence: "a list",
    Mapping: "a mapping",
}


def _named(hint: Any) -> str:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(_named(arm) for arm in typing.get_args(hint))
    if hint is None or hint is type(None):
        return "None"
    hint = typing.get_origin(hint) or hint
    return HINT_NAMES.get(hint, getattr(hint, "__name__", str(hint)))


Params = ParamSpec("Params")
Result = TypeVar("Result")


def public(**settings: type) -> Callable[[Callable[Params, Result]], Callable[Params, Result]]:
    """A public function whose call does not fit its signature raises a :class:`LocalizeError`
    naming the argument (not a ``TypeError``): a keyword it does not take is an
    :class:`OptionError`, pointing to the options dataclass (``settings``: parameter name ->
    class) that has a field of that name. The function keeps its signature, also for type checkers."""

    def wrap(function: Callable[Params, Result]) -> Callable[Params, Result]:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def call(*args: Params.args, **kwargs: Params.kwargs) -> Result:
            try:
                signature.bind(*args, **kwargs)
            except TypeError as error:
                raise _misfit(function.__name__, signature, kwargs, settings, error) from None
            return function(*args, **kwargs)

        return call

    return wrap


def _misfit(
    name: str, signature: inspect.Signature, kwargs: dict[str, Any], settings: dict[str, type], error: TypeError
) -> LocalizeError:
    unknown = [key for key in kwargs if key not in signature.parameters]
    if not unknown:
        return InputError(f"{name}(): {error}")
    key = unknown[0]
    home = next(
        (f"{param}={kind.__name__}({key}=...)" for param, kind in settings.items() if _has_field(kind, key)), None
    )
    where = f"give it as {home}" if home else f"it takes {', '.join(signature.parameters)}"
    return OptionError(f"{name}() has no argument {key!r}; {where}")


def _has_field(kind: type, name: str) -> bool:
    return any(field.name == name for field in dataclasses.fields(kind))
