"""The checks the review page shows on each cue, run by the library on the text as it stands.

QC (:func:`localize.timing.check` against the market's timing profile and the episode's
cuts), glossary verification (:func:`localize.translation.enforce.verify` with the
market's glossary layers), the character budget and reading speed of the profile, dub
lines the dub stage had to speed up, low-confidence OCR reads of the source line, and
the flags the edit layer carries ("source changed since review", suspect translations).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from localize.errors import LocalizeError
from localize.model import Cue, Track
from localize.review.catalog import Market
from localize.review.edits import CueEdit, EditLayer
from localize.timing import Profile, check, load_profile
from localize.timing.linebreak import text_length
from localize.timing.retime import RULES, reading_length

GLOSSARY = "glossary"
RECOMPUTED = (*RULES, GLOSSARY)  # layer flags the checks here compute afresh


def flag(kind: str, severity: str, text: str) -> dict[str, str]:
    return {"kind": kind, "severity": severity, "text": text}


@dataclass
class Checker:
    """Everything the checks of one market need, read once from its manifest."""

    market: Market
    profile: Profile
    glossary: Any = None  # a localize.translation Glossary for the market's language, or None
    source_flags: list[Cue] = field(default_factory=list)  # source cues carrying OCR flags
    notes: list[str] = field(default_factory=list)

    @classmethod
    def for_market(cls, market: Market) -> "Checker":
        checker = cls(market, load_profile(market.profile), source_flags=market.source_cues_with_flags())
        layers = market.glossary_layers
        if layers:
            try:
                from localize.translation import load_glossaries

                checker.glossary = load_glossaries(layers, market=market.code).for_target(market.language, market.code)
            except LocalizeError as error:
                checker.notes.append(f"glossary not checked: {error}")
        return checker

    def review(self, layer: EditLayer) -> dict[str, dict[str, Any]]:
        """Per cue id: its flags, characters, budget, reading speed and line lengths."""
        track = Track([self._cue(edit) for edit in layer.cues], language=layer.language, fps=self.market.fps)
        qc = check(track, self.profile, self.market.shots)
        found: dict[str, dict[str, Any]] = {}
        dub = self.market.dub_lines()
        for edit, cue in zip(layer.cues, track.cues):
            found[edit.id] = self._measures(cue) | {"flags": self._flags(edit, cue, dub.get(edit.id))}
        for violation in qc.violations:
            kind = "ocr" if violation.rule == "ocr" else "qc"
            text = violation.message if kind == "ocr" else f"{violation.rule.replace('_', ' ')}: {violation.message}"
            if violation.reason:
                text += f" (timing could not fix it: {violation.reason})"
            found[layer.cues[violation.cue - 1].id]["flags"].insert(0, flag(kind, violation.severity, text))
        return found

    def _cue(self, edit: CueEdit) -> Cue:
        start, end = edit.times
        ocr = [f for s in self.source_flags if min(end, s.end) > max(start, s.start) for f in s.flags
               if f.startswith("ocr:")]
        return Cue(start, end, edit.current, edit.source, edit.new_speaker or edit.speaker,
                   flags=list(dict.fromkeys([*edit.flags, *ocr])))

    def _measures(self, cue: Cue) -> dict[str, Any]:
        chars = reading_length(cue.text)
        return {"chars": chars, "budget": self.profile.char_budget(cue.duration),
                "cps": round(chars * 1000 / cue.duration, 1) if cue.duration > 0 else 0.0,
                "lines": [text_length(line) for line in cue.lines]}

    def _flags(self, edit: CueEdit, cue: Cue, dub: dict[str, Any] | None) -> list[dict[str, str]]:
        found = [flag(_kind(f), "warning", f) for f in edit.flags if f.split(":", 1)[0].strip() not in RECOMPUTED
                 and not f.startswith("ocr:")]
        found += self._glossary(cue)
        chars, budget = reading_length(cue.text), self.profile.char_budget(cue.duration)
        if chars > budget:
            found.append(flag("budget", "warning", f"budget: {chars} characters > {budget} for {cue.duration} ms"))
        if dub is not None:
            found += _dub_flags(edit, dub)
        return found

    def _glossary(self, cue: Cue) -> list[dict[str, str]]:
        if self.glossary is None or not cue.source:
            return []
        from localize.translation.enforce import verify

        return [flag(GLOSSARY, "error", f"glossary: '{v.term.source}' should be '{v.term.rendering}'")
                for v in verify(cue.source, cue.text, self.glossary.for_line(cue.speaker, None))]


def _kind(text: str) -> str:
    head = text.split(":", 1)[0].strip().lower()
    return "suspect" if head == "suspect" else "edit"


def _dub_flags(edit: CueEdit, dub: dict[str, Any]) -> list[dict[str, str]]:
    found = []
    if dub["fit"] == "overflow":
        found.append(flag("dub", "error", f"dub: line runs over its slot even at {dub['speed']:.2f}x"))
    elif dub["speed"] > 1.0:
        found.append(flag("dub", "warning", f"dub: line sped up to {dub['speed']:.2f}x"))
    if edit.text is not None:
        found.append(flag("dub", "warning", "dub: made from the machine text; re-run the episode to re-dub this line"))
    return found
