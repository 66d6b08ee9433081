"""Who speaks each line and to whom: context for translation engines that can use it.

Whether 你 is formal or intimate, and the register of English, depend on who speaks to
whom. :func:`line_context` gives every cue its speaker (``Cue.speaker``, from
diarization or the subtitles) and a likely addressee: the other speaker of the nearest
neighbouring line (the one being answered, else the one who answers) within
``window_ms``. It is a heuristic for two-person exchanges; a group scene can name the
wrong addressee. Glossary rows with a ``speaker`` and/or ``addressee`` column hold
per-character terms of address (:meth:`Glossary.for_line`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from localize.model import Cue


@dataclass(frozen=True)
class LineContext:
    """The speaker and likely addressee of one cue, as labels or names (None when unknown)."""

    speaker: str | None
    addressee: str | None


def line_context(cues: Sequence[Cue], window_ms: int = 4000, names: dict[str, str] | None = None) -> list[LineContext]:
    """One :class:`LineContext` per cue of ``cues`` (in time order); ``names`` maps labels to names."""
    names = names or {}
    contexts = []
    for index, cue in enumerate(cues):
        addressee = _addressee(cues, index, window_ms)
        contexts.append(LineContext(names.get(cue.speaker or "", cue.speaker), names.get(addressee or "", addressee)))
    return contexts


def _addressee(cues: Sequence[Cue], index: int, window_ms: int) -> str | None:
    cue = cues[index]
    if not cue.speaker:
        return None
    before = next((c for c in reversed(cues[:index]) if c.speaker and c.speaker != cue.speaker), None)
    if before is not None and cue.start - before.end <= window_ms:
        return before.speaker
    after = next((c for c in cues[index + 1 :] if c.speaker and c.speaker != cue.speaker), None)
    if after is not None and after.start - cue.end <= window_ms:
        return after.speaker
    return None
