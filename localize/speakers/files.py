"""A title's two speaker files as stored: read whole (a damaged file is one line naming it), checked
field by field against what the toolkit writes (one line naming the file and the key, before any
work), and never written through a symbolic link."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from localize.errors import ConfigError

MAX_MS = 10**12  # about 30 years of speech: anything above is a damaged file


def read_file(path: Path, parse: Callable[[str], Any], kind: str) -> Any:
    """``path`` parsed; a damaged file is a ConfigError naming it."""
    try:
        return parse(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise ConfigError(f"{path}: not valid {kind} (nested too deeply)") from None
    except ValueError as error:  # JSON, TOML and UTF-8 decoding errors are ValueErrors
        raise ConfigError(f"{path}: not valid {kind} ({error})") from None


def refuse_link(path: Path) -> None:
    """A ConfigError when ``path`` is a symbolic link: speaker files are replaced whole (written
    beside and renamed), which would turn the link into a file, and its target may lie outside the title."""
    if path.is_symlink():
        raise ConfigError(
            f"{path}: is a symbolic link; speaker files are not written through links "
            "(put the file itself in the title folder)"
        )


def brief(value: Any) -> str:
    """``value`` for a message: its repr (control characters escaped), cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


@dataclass(frozen=True)
class Fields:
    """The checks of one stored file's values: each failure is a ConfigError naming the file and the key."""

    path: Path
    mapping: str = "an object"  # what the format calls a mapping ("a table" in TOML)

    def fail(self, key: str, problem: str) -> NoReturn:
        printable = "".join(c if c.isprintable() else repr(c)[1:-1] for c in key)  # a label may not be
        raise ConfigError(f"{self.path}: {printable} {problem}" if key else f"{self.path}: {problem}")

    def typed(self, key: str, value: Any, kind: type, what: str) -> Any:
        """``value`` when it is a ``kind`` (never a bool for a number)."""
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            self.fail(key, f"must be {what}, got {brief(value)}")
        return value

    def table(self, key: str, value: Any, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict:
        """``value`` when it is an object of the ``allowed`` keys holding every ``required`` one: an
        unknown key is refused (a later save would drop it)."""
        self.typed(key, value, dict, f"{self.mapping} of {', '.join(allowed)}")
        where = f"{key}:" if key else ""
        unknown = sorted(str(name) for name in value if name not in allowed)
        if unknown:
            self.fail(where, f"unknown key {brief(unknown[0])} (use {', '.join(allowed)})")
        missing = [name for name in required if name not in value]
        if missing:
            self.fail(where, f"missing key {missing[0]!r}")
        return value

    def strings(self, key: str, value: Any, what: str, each: str) -> list[str]:
        """``value`` when it is a list of strings (``what``: the list, ``each``: one item)."""
        self.typed(key, value, list, what)
        for index, item in enumerate(value):
            self.typed(f"{key}[{index}]", item, str, each)
        return value

    def label(self, key: str, value: str) -> str:
        """A speaker label (S1, ...): printable, 1 to 100 characters."""
        if not value or len(value) > 100 or not value.isprintable():
            self.fail(key, f"is not a speaker label such as S1 (printable, 1 to 100 characters), got {brief(value)}")
        return value

    def whole_ms(self, key: str, value: Any) -> int:
        """A whole number of milliseconds from 0 to :data:`MAX_MS`."""
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_MS:
            self.fail(key, f"must be a whole number of milliseconds from 0 to {MAX_MS}, got {brief(value)}")
        return value
