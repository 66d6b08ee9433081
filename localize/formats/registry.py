"""The registry of subtitle formats: a :class:`Format` (reader and writer) per name, and the readers' error."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from localize.errors import InputError
from localize.model import Track


class ParseError(InputError):
    """A malformed subtitle file; ``line`` is 1-based (0 when not tied to a line)."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Format:
    name: str
    extensions: tuple[str, ...]
    read: Callable[[str], Track]
    write: Callable[[Track], str]
    description: str = ""


FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    FORMATS[fmt.name] = fmt
    return fmt
