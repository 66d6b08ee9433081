"""What a translation engine is: the interfaces the registry, the memory and ``translate()`` share."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable


class Translator(Protocol):
    """Translates batches of plain text from ``source`` to ``target``."""

    engine: str
    model_version: str
    source: str
    target: str

    def translate(self, texts: Sequence[str]) -> list[str]: ...


@runtime_checkable
class LineTranslator(Translator, Protocol):
    """A translator that takes timed cues whole (one line per cue, with context and budgets)."""

    def translate_lines(self, lines: list[Any], glossary: Any, memory: Any = None,
                        glossary_digest: str = "") -> list[Any]: ...
