"""What retiming works on: a cue as a :class:`Slot` in frames, and a profile's rules as a frame :class:`Grid`."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from fractions import Fraction

from localize.formats.markup import plain
from localize.model import Cue, Word
from localize.timing.profiles import Profile

#: The QC rules; a cue flag ``"rule: reason"`` names one.
RULES = ("reading_speed", "line_length", "line_count", "min_duration", "max_duration", "gap", "shot_change", "overlap")


@dataclass
class Slot:
    """A cue being retimed, in frames. ``speech_*`` mark where its speech is."""

    cue: Cue
    text: str
    speech_start: int
    speech_end: int
    words: list[Word] = field(default_factory=list)
    start: int = 0
    end: int = 0
    limit: str = ""  # what stopped the out-time from growing
    flags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Grid:
    """The profile's rules converted to frames of one frame rate."""

    fps: Fraction
    min_frames: int
    max_frames: int
    gap: int
    chain: int
    zone: int
    snap: int
    out_before: int
    lead_in: int
    cps: Fraction

    @classmethod
    def of(cls, profile: Profile, fps: Fraction) -> Grid:
        return cls(
            fps=fps,
            min_frames=math.ceil(Fraction(profile.min_duration_ms) * fps / 1000),
            max_frames=math.floor(Fraction(profile.max_duration_ms) * fps / 1000),
            gap=profile.min_gap_frames,
            chain=profile.chain_frames,
            zone=profile.shot_zone_frames,
            snap=profile.snap_onto_cut_frames,
            out_before=profile.out_before_cut_frames,
            lead_in=profile.lead_in_frames,
            cps=Fraction(profile.cps).limit_denominator(1000),
        )

    def ceil(self, ms: int) -> int:
        """The first frame boundary at or after ``ms`` (integer arithmetic: this runs per cue)."""
        return -(-ms * self.fps.numerator // (1000 * self.fps.denominator))

    def nearest(self, ms: int) -> int:
        return round(Fraction(ms) * self.fps / 1000)

    def ms(self, frame: int) -> int:
        """As :func:`localize.model.frames_to_ms` (round half to even), in integers."""
        quotient, remainder = divmod(frame * 1000 * self.fps.denominator, self.fps.numerator)
        if 2 * remainder > self.fps.numerator or (2 * remainder == self.fps.numerator and quotient % 2):
            quotient += 1
        return quotient

    def seconds(self, frames: int) -> float:
        return frames * self.fps.denominator / self.fps.numerator

    def needed(self, text: str) -> int:
        """Frames the text needs on screen: reading speed, at least the minimum duration."""
        top = reading_length(text) * self.fps.numerator * self.cps.denominator
        return max(self.min_frames, -(-top // (self.fps.denominator * self.cps.numerator)))


def reading_length(text: str) -> int:
    """Characters counted for reading speed: everything but line breaks and markup tags."""
    return len(plain(text).replace("\n", ""))


def cut_between(cuts: list[int], start: int, end: int) -> bool:
    """A cut in (start, end]."""
    index = bisect.bisect_right(cuts, start)
    return index < len(cuts) and cuts[index] <= end
