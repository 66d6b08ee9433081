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
from localize.model import Cue, Track, join_lines
from localize.review.catalog import Market
from localize.review.edits import CueEdit, EditLayer
from localize.timing import Profile, check, load_profile
from localize.timing.grid import RULES, reading_length
from localize.timing.linebreak import text_length

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
    def for_market(cls, market: Market) -> Checker:
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
        dub, glossary = self.market.dub_lines(), self._glossary(track.cues)
        for number, (edit, cue) in enumerate(zip(layer.cues, track.cues)):
            flags = glossary[number] + self._flags(edit, cue, dub.get(edit.id))
            found[edit.id] = self._measures(cue) | {"flags": flags}
        for violation in qc.violations:
            kind = "ocr" if violation.rule == "ocr" else "qc"
            text = violation.message if kind == "ocr" else f"{violation.rule.replace('_', ' ')}: {violation.message}"
            if violation.reason:
                text += f" (timing could not fix it: {violation.reason})"
            found[layer.cues[violation.cue - 1].id]["flags"].insert(0, flag(kind, violation.severity, text))
        return found

    def _cue(self, edit: CueEdit) -> Cue:
        start, end = edit.times
        ocr = [
            f
            for s in self.source_flags
            if min(end, s.end) > max(start, s.start)
            for f in s.flags
            if f.startswith("ocr:")
        ]
        return Cue(
            start,
            end,
            edit.current,
            edit.source,
            edit.new_speaker or edit.speaker,
            flags=list(dict.fromkeys([*edit.flags, *ocr])),
        )

    def _measures(self, cue: Cue) -> dict[str, Any]:
        chars = reading_length(cue.text)
        return {
            "chars": chars,
            "budget": self.profile.char_budget(cue.duration),
            "cps": round(chars * 1000 / cue.duration, 1) if cue.duration > 0 else 0.0,
            "lines": [text_length(line) for line in cue.lines],
        }

    def _flags(self, edit: CueEdit, cue: Cue, dub: dict[str, Any] | None) -> list[dict[str, str]]:
        found = [
            _layer_flag(f)
            for f in edit.flags
            if f.split(":", 1)[0].strip() not in RECOMPUTED and not f.startswith("ocr:")
        ]
        chars, budget = reading_length(cue.text), self.profile.char_budget(cue.duration)
        if chars > budget:
            found.append(flag("budget", "warning", f"{chars} characters > {budget} for {cue.duration} ms"))
        if dub is not None:
            found += _dub_flags(edit, dub)
        return found

    def _glossary(self, cues: list[Cue]) -> list[list[dict[str, str]]]:
        """Glossary flags per cue. Neighbours made from one source line (a sentence split over
        cues) are verified together, as the translator does, and share its flags."""
        found: list[list[dict[str, str]]] = [[] for _ in cues]
        if self.glossary is None:
            return found
        from localize.translation.enforce import verify

        start = 0
        for end in range(1, len(cues) + 1):
            if end < len(cues) and cues[end].source == cues[start].source:
                continue
            group, source = cues[start:end], cues[start].source
            if source:
                text = join_lines([cue.text for cue in group])
                flags = [
                    flag(GLOSSARY, "error", f"'{v.term.source}' should be '{v.term.rendering}'")
                    for v in verify(source, text, self.glossary.for_line(group[0].speaker, None))
                ]
                for number in range(start, end):
                    found[number] = list(flags)
            start = end
        return found


def _layer_flag(text: str) -> dict[str, str]:
    """A flag the edit layer carries: "suspect: ..." (a machine translation) or another note."""
    head, _, rest = text.partition(":")
    if head.strip().lower() == "suspect" and rest.strip():
        return flag("suspect", "warning", rest.strip())
    return flag("edit", "warning", text)


def _dub_flags(edit: CueEdit, dub: dict[str, Any]) -> list[dict[str, str]]:
    found = []
    if dub["fit"] == "overflow":
        found.append(flag("dub", "error", f"line runs over its slot even at {dub['speed']:.2f}x"))
    elif dub["speed"] > 1.0:
        found.append(flag("dub", "warning", f"line sped up to {dub['speed']:.2f}x"))
    spoken = dub.get("text")
    if spoken is None:  # a dub report without the lines' text: an edited line is taken to be unspoken
        stale = "made from the machine text" if edit.text is not None else None
    elif " ".join(spoken.split()) == " ".join(edit.current.split()):
        stale = None
    else:
        stale = "made from the machine text" if spoken.split() == edit.machine.split() else "made from an earlier text"
    if stale:
        found.append(flag("dub", "warning", f"{stale}; re-render to dub it again"))
    return found
