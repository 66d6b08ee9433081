"""What a translation engine is: the interfaces the registry, the memory and ``translate()`` share.

A :class:`Translator` takes batches of plain text; a :class:`LineTranslator` takes timed cues
whole (:class:`Line`) and returns a :class:`LineResult` per line; a :class:`TranslatorFactory`
is what :func:`localize.translation.backends.register_backend` keeps for an engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from localize.translation.glossary import Glossary
from localize.translation.memory import TranslationMemory


class Translator(Protocol):
    """Translates batches of plain text from ``source`` to ``target``."""

    engine: str
    model_version: str
    source: str
    target: str

    def translate(self, texts: Sequence[str]) -> list[str]: ...


class TranslatorFactory(Protocol):
    """A registered engine: the translator for a language pair (ISO 639-1 codes)."""

    def __call__(self, source: str, target: str, model: str | None = None, context: str = "") -> Translator: ...


@dataclass
class Line:
    """One cue to translate: ``id`` is its 1-based number in the track; ``budget`` 0 means none.

    ``addressee`` is who the line is likely said to (:mod:`localize.speakers.context`): it
    decides register and terms of address, and picks per-character glossary rows.
    """

    id: int
    source: str
    start: int = 0
    end: int = 0
    speaker: str | None = None
    budget: int = 0
    addressee: str | None = None

    def terms(self, glossary: Glossary) -> Glossary:
        """The glossary rows that apply to this line (general rows and its speaker's terms of address)."""
        return glossary.for_line(self.speaker, self.addressee)

    def over(self, text: str) -> bool:
        return bool(self.budget) and len(text) > self.budget


@dataclass
class LineResult:
    """A line's translation and how it was reached (stored whole in the translation memory)."""

    text: str
    glossary_reask: bool = False
    over_before_reask: bool = False
    untranslated: bool = False


@runtime_checkable
class LineTranslator(Translator, Protocol):
    """A translator that takes timed cues whole (one line per cue, with context and budgets)."""

    def translate_lines(
        self, lines: list[Line], glossary: Glossary, memory: TranslationMemory | None = None, glossary_digest: str = ""
    ) -> list[LineResult]:
        """One result per line, in order; ``memory`` (keyed with ``glossary_digest``) is read and filled."""
        ...
