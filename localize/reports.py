"""What the translate stage reports on a track: glossary enforcement, character budgets, engine usage.

:class:`TranslationInfo` travels on ``Track.translation``; ``localize.model`` re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class GlossaryViolation:
    """A glossary term whose approved rendering is missing from a translated sentence."""

    term: str
    expected: str
    occurrences: int
    present: int
    cue: int  # 1-based number of the first cue of the sentence
    cues: list[int]
    found: str  # the translation as it stands

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__, cues=list(self.cues))


@dataclass
class GlossaryReport:
    """What glossary enforcement did to one track: occurrences checked, repaired, still wrong.

    The ``lines_*`` counts partition the translated units (cues for the LLM engine,
    sentences for Argos) that contain a glossary term: right from the engine's first
    answer, right after one re-ask naming the missing terms, put right by repair, or
    flagged because a term is still missing.
    """

    terms_checked: int = 0
    repaired: int = 0
    violations: list[GlossaryViolation] = field(default_factory=list)
    lines_with_terms: int = 0
    right_first_time: int = 0
    right_after_reask: int = 0
    lines_repaired: int = 0
    lines_flagged: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "terms_checked": self.terms_checked,
            "repaired": self.repaired,
            "violations": [v.to_dict() for v in self.violations],
            **{name: getattr(self, name) for name in LINE_COUNTS},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GlossaryReport:
        return cls(
            data.get("terms_checked", 0),
            data.get("repaired", 0),
            [GlossaryViolation(**v) for v in data.get("violations", [])],
            **{name: data.get(name, 0) for name in LINE_COUNTS},
        )


LINE_COUNTS = ("lines_with_terms", "right_first_time", "right_after_reask", "lines_repaired", "lines_flagged")


@dataclass
class BudgetReport:
    """Cues whose translation is longer than the characters their timing can carry."""

    profile: str = ""
    cues: int = 0
    over_before_reask: int = 0
    over_after_reask: int = 0


@dataclass
class EngineUsage:
    """What a translation cost the engine: requests, tokens and the re-ask ladder (LLM engine)."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    memory_hits: int = 0
    lines_asked: int = 0
    lines_reasked: int = 0  # structure wrong for the line: asked again with its window
    lines_single: int = 0  # still wrong: asked alone
    lines_untranslated: int = 0  # no usable answer at all: source kept, cue flagged


@dataclass
class TranslationInfo:
    """How a track was translated: what the translate stage hands the stages after it."""

    source_language: str
    target: str
    engine: str
    model: str
    glossary_digest: str
    glossary: GlossaryReport = field(default_factory=GlossaryReport)
    budget: BudgetReport = field(default_factory=BudgetReport)
    usage: EngineUsage = field(default_factory=EngineUsage)

    def to_dict(self) -> dict[str, Any]:
        return dict(
            self.__dict__,
            glossary=self.glossary.to_dict(),
            budget=dict(self.budget.__dict__),
            usage=dict(self.usage.__dict__),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TranslationInfo:
        values = dict(data)
        values["glossary"] = GlossaryReport.from_dict(values.get("glossary") or {})
        values["budget"] = BudgetReport(**(values.get("budget") or {}))
        values["usage"] = EngineUsage(**(values.get("usage") or {}))
        return cls(**values)
