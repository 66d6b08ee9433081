"""What an exchange file says about each cue beyond its text: speaker, times, shot, budget, terms, flags.

:func:`episode_context` gathers it from a delivered episode folder (the edit layer, the
manifest's cut list, the market's timing profile and glossary layers); the XLIFF writer
turns each :class:`UnitInfo` into notes, a size restriction and term marks.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localize.errors import InputError
from localize.model import format_ms
from localize.review.delivered import read_manifest
from localize.review.edits import CueEdit, EditLayer, current_track, load_edits
from localize.review.suspect import suspect_flags


@dataclass
class UnitInfo:
    """One cue's context: notes (one fact each), character budget, glossary terms (source, rendering)."""

    notes: list[str] = field(default_factory=list)
    budget: int | None = None
    terms: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ExportContext:
    """An edit layer and what the exchange files say about its cues."""

    layer: EditLayer
    units: dict[str, UnitInfo]
    glossary: Any = None  # the market's Glossary (for TBX), None without layers


def episode_context(episode_dir: str | Path, market: str) -> ExportContext:
    """The edit layer of ``market`` in a delivered episode folder, with each cue's context."""
    episode_dir = Path(episode_dir)
    layer = load_edits(episode_dir, market)
    manifest = read_manifest(episode_dir)
    entry = manifest["markets"][market]
    profile = _profile(entry.get("timing_profile"))
    glossary = _glossary([g["path"] for g in (entry.get("glossary") or {}).get("layers", [])], layer)
    return ExportContext(
        layer, layer_units(layer, (manifest.get("source") or {}).get("shots", []), profile, glossary), glossary
    )


def layer_units(layer: EditLayer, shots: list[int], profile: Any = None, glossary: Any = None) -> dict[str, UnitInfo]:
    """Each cue's :class:`UnitInfo`: notes with speaker, times, shot, status and flags (suspect ones added)."""
    suspect = suspect_flags(current_track(layer), glossary)
    units = {}
    for number, edit in enumerate(layer.cues, 1):
        start, end = edit.times
        flags = list(dict.fromkeys([*edit.flags, *suspect.get(number, [])]))
        notes = [
            *_speaker(edit),
            f"time: {format_ms(start)} --> {format_ms(end)}",
            _shot(start, end, shots),
            f"status: {edit.status}" + (f" ({edit.by}, {edit.updated})" if edit.by and edit.updated else ""),
            *(f"flag: {f}" for f in flags),
        ]
        budget = profile.char_budget(end - start) if profile is not None else None
        if budget is not None:
            notes.append(f"budget: {budget} characters")
        terms = [(t.source, t.rendering) for _, _, t in glossary.find(edit.source or "")] if glossary else []
        units[edit.id] = UnitInfo(notes, budget, list(dict.fromkeys(terms)))
    return units


def _speaker(edit: CueEdit) -> list[str]:
    speaker = edit.new_speaker or edit.speaker
    return [f"speaker: {speaker}"] if speaker else []


def _shot(start: int, end: int, cuts: list[int]) -> str:
    """``shot 2 of 4 (00:00:02.000 -> 00:00:04.000)``, plus the cuts the cue crosses."""
    if not cuts:
        return "shot: no cut list"
    number = bisect.bisect_right(cuts, start)
    begin = cuts[number - 1] if number else 0
    text = f"shot: {number + 1} of {len(cuts) + 1}, from {format_ms(begin)}"
    crossed = [c for c in cuts if start < c < end]
    return text + (f"; crosses a cut at {', '.join(map(format_ms, crossed))}" if crossed else "")


def _profile(name: str | None) -> Any:
    if not name:
        return None
    from localize.timing import load_profile

    return load_profile(name)


def _glossary(paths: list[str], layer: EditLayer) -> Any:
    if not paths:
        return None
    from localize.translation import load_glossaries

    missing = next((p for p in paths if not Path(p).is_file()), None)
    if missing:
        raise InputError(f"{layer.episode}/{layer.market}: glossary layer {missing} is gone (the run used it)")
    return load_glossaries(paths, market=layer.market).for_target(layer.language, layer.market)
