"""QC check: every way a track breaks a profile, by rule, with cue numbers.

Works on any track (ours or not). Where retime left a flag on a cue explaining why the
rule could not be met, the violation carries that reason. A cue whose source text was
read by OCR with low confidence (flag ``ocr: ...``) is an ``ocr`` warning, to be checked
against the picture.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from typing import Any

from localize.model import Cue, Track, format_ms, frames_to_ms, require_track
from localize.timing.grid import RULES, reading_length
from localize.timing.linebreak import text_length
from localize.timing.profiles import Profile, load_profile
from localize.validate import as_times, public

SEVERITY = {
    "overlap": "error",
    "line_length": "error",
    "line_count": "error",
    "max_duration": "error",
    "reading_speed": "warning",
    "min_duration": "warning",
    "gap": "warning",
    "shot_change": "warning",
    "ocr": "warning",
}
#: rules about the source text, not timing: reported from the cue's own flags
SOURCE_RULES = ("ocr",)


@dataclass(frozen=True)
class Violation:
    rule: str
    cue: int  # 1-based
    message: str
    severity: str
    reason: str | None = None  # why timing could not fix it (from retime's flags)

    def __str__(self) -> str:
        text = f"cue {self.cue}: {self.rule}: {self.message}"
        return f"{text} (unfixable: {self.reason})" if self.reason else text


@dataclass
class QCReport:
    profile: str
    cues: int
    violations: list[Violation] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(v.rule for v in self.violations)
        return {rule: counts.get(rule, 0) for rule in RULES} | {r: counts[r] for r in SOURCE_RULES if counts[r]}

    def unexplained(self) -> list[Violation]:
        """Violations without a reason from retime: those timing should have fixed."""
        return [v for v in self.violations if v.reason is None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "cues": self.cues,
            "ok": self.ok,
            "summary": self.summary,
            "violations": [{k: v for k, v in asdict(x).items() if v is not None} for x in self.violations],
        }


@public()
def check(track: Track, profile: Profile | str, shots: Sequence[int] = ()) -> QCReport:
    """Check ``track`` against ``profile`` and the cuts ``shots`` (ms)."""
    require_track(track)
    shots = as_times(shots, "shots")
    profile = load_profile(profile)
    fps = track.fps
    cuts = sorted({_frames(ms, fps) for ms in shots if _frames(ms, fps) > 0})  # the first frame is no cut
    found: list[Violation] = []
    for number, cue in enumerate(track.cues, 1):
        found += _cue_rules(number, cue, profile)
        found += _shot_rules(number, cue, profile, fps, cuts)
        found += [
            _violation(rule, number, text.strip())
            for f in cue.flags
            for rule, _, text in [f.partition(":")]
            if rule in SOURCE_RULES
        ]
    for number, (a, b) in enumerate(zip(track.cues, track.cues[1:]), 1):
        found += _pair_rules(number, a, b, profile, fps, cuts)
    reasons = {
        (n, f.split(":", 1)[0]): f.split(":", 1)[1].strip()
        for n, c in enumerate(track.cues, 1)
        for f in c.flags
        if ":" in f and f.split(":", 1)[0] in RULES
    }
    violations = [_with_reason(v, reasons) for v in found]
    violations.sort(key=lambda v: (v.cue, (RULES + SOURCE_RULES).index(v.rule)))
    return QCReport(profile=profile.name, cues=len(track.cues), violations=violations)


def _with_reason(violation: Violation, reasons: dict[tuple[int, str], str]) -> Violation:
    return replace(violation, reason=reasons.get((violation.cue, violation.rule)))


def _violation(rule: str, number: int, message: str) -> Violation:
    return Violation(rule, number, message, SEVERITY[rule])


def _frames(ms: int, fps: Fraction) -> int:
    return round(Fraction(ms) * fps / 1000)


def _cue_rules(number: int, cue: Cue, profile: Profile) -> list[Violation]:
    found = []
    duration = cue.duration
    length = reading_length(cue.text)
    if length and duration > 0 and length * 1000 > profile.cps * (duration + 1):
        found.append(
            _violation(
                "reading_speed",
                number,
                f"{length * 1000 / duration:.1f} cps > {profile.cps:g} cps ({length} characters in {duration} ms)",
            )
        )
    lines = cue.lines
    if len(lines) > profile.max_lines:
        found.append(_violation("line_count", number, f"{len(lines)} lines > {profile.max_lines}"))
    for line_number, line in enumerate(lines, 1):
        if text_length(line) > profile.line_limit:
            found.append(
                _violation(
                    "line_length",
                    number,
                    f"line {line_number} has {text_length(line)} characters > {profile.line_limit}",
                )
            )
    if 0 < duration < profile.min_duration_ms - 1:
        found.append(_violation("min_duration", number, f"{duration} ms < {profile.min_duration_ms} ms"))
    if duration > profile.max_duration_ms:
        found.append(_violation("max_duration", number, f"{duration} ms > {profile.max_duration_ms} ms"))
    return found


def _pair_rules(number: int, a: Cue, b: Cue, profile: Profile, fps: Fraction, cuts: list[int]) -> list[Violation]:
    if b.start < a.end:
        return [
            _violation(
                "overlap", number + 1, f"starts at {format_ms(b.start)}, before cue {number} ends at {format_ms(a.end)}"
            )
        ]
    gap = _frames(b.start - a.end, fps)
    if gap >= profile.min_gap_frames and (gap <= profile.min_gap_frames or gap > profile.chain_frames):
        return []
    if _cut_within(cuts, _frames(a.end, fps), _frames(b.start, fps)):
        return []  # a gap that holds a cut is the cut's business (shot_change rules)
    if gap < profile.min_gap_frames:
        return [_violation("gap", number, f"gap to cue {number + 1} is {gap} frames < {profile.min_gap_frames}")]
    return [
        _violation(
            "gap",
            number,
            f"gap to cue {number + 1} is {gap} frames: gaps up to {profile.chain_frames} frames close to {profile.min_gap_frames} (chaining)",
        )
    ]


def _cut_within(cuts: list[int], start: int, end: int) -> bool:
    index = bisect.bisect_left(cuts, start)
    return index < len(cuts) and cuts[index] <= end


def _shot_rules(number: int, cue: Cue, profile: Profile, fps: Fraction, cuts: list[int]) -> list[Violation]:
    """In-time in the zone before or after a cut; out-time in the zone around a cut but not
    0..``out_before_cut_frames`` frames before it."""
    if not cuts:
        return []
    found = []
    zone = profile.shot_zone_frames
    start, end = _frames(cue.start, fps), _frames(cue.end, fps)
    index = bisect.bisect_right(cuts, start)
    if index < len(cuts) and 0 < cuts[index] - start < zone:
        found.append(
            _violation(
                "shot_change",
                number,
                f"in-time {cuts[index] - start} frames before the cut at {format_ms(frames_to_ms(cuts[index], fps))}: on the cut or at least {zone} frames before it",
            )
        )
    if index > 0 and 0 < start - cuts[index - 1] < zone:
        found.append(
            _violation(
                "shot_change",
                number,
                f"in-time {start - cuts[index - 1]} frames after the cut at {format_ms(frames_to_ms(cuts[index - 1], fps))}: on the cut or at least {zone} frames after it",
            )
        )
    for index in range(bisect.bisect_left(cuts, end - zone + 1), len(cuts)):
        cut = cuts[index]
        distance = cut - end
        if distance >= zone:
            break
        if not 0 <= distance <= profile.out_before_cut_frames and cut > start:
            where = f"{distance} frames before" if distance > 0 else f"{-distance} frames after"
            found.append(
                _violation(
                    "shot_change",
                    number,
                    f"out-time {where} a cut: {profile.out_before_cut_frames} frames before it or at least {zone} frames away",
                )
            )
            break
    return found
