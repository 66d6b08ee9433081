"""What the dub stage reports: each line's fit, and the whole dub's loudness, cast and warnings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class LineReport:
    """How one cue was dubbed. Times in ms; ``end`` is where its audio stops."""

    number: int
    text: str
    speaker: str | None
    voice: str
    cue_start: int
    placed_ms: int
    end: int
    natural_ms: int
    window_ms: int
    speed: float
    borrowed_ms: int
    overflow_ms: int
    fit: str
    speaker_name: str | None = None

    @property
    def overflow(self) -> bool:
        return self.overflow_ms > 0


@dataclass
class DubReport:
    """What :func:`dub` wrote and measured (loudness after normalization)."""

    output: str
    lines: list[LineReport]
    duration_ms: int
    sample_rate: int
    loudness_lufs: float | None
    program_loudness_lufs: float | None
    true_peak_dbtp: float | None
    target_lufs: float
    target_true_peak_dbtp: float
    gating: str
    stretcher: str
    mux: str | None = None
    warnings: list[str] = field(default_factory=list)
    cast: dict[str, str] = field(default_factory=dict)  # speaker -> voice spec
    cache: dict[str, Any] = field(default_factory=dict)  # with a line cache: lines synthesized/reused, mix spliced?

    def fit_counts(self) -> dict[str, int]:
        """Lines per fit category: as_is, comfortable, capped, overflow."""
        counts = dict.fromkeys(("as_is", "comfortable", "capped", "overflow"), 0)
        for line in self.lines:
            counts[line.fit] += 1
        return counts

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["fit_counts"] = self.fit_counts()
        if not self.cache:
            del data["cache"]
        return data
