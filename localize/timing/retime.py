"""Retiming: cues fitted to the speech, the cuts and the reading speed of a profile.

Work happens on the frame grid of ``track.fps``, in passes over cues in time order
(O(n log n) overall: a sort, then linear passes with binary search over the cuts):

1. split cues too long for two lines or for the maximum duration, at clause boundaries,
   timed by word times when the words spell the text, else in proportion to characters;
2. merge fragments: a cue shorter than the minimum duration joins its neighbour when the
   speech is continuous (gap within the chaining threshold, no cut between) and the sum fits;
   speech that overlaps too closely to show apart is merged the same way; two speakers
   merge only into a dialogue event (one line each, opened by the profile's
   ``dialogue_dash``);
3. in-times: the first frame of speech, never earlier; an in-time within the shot-change
   zone before a cut moves onto the cut when the speech runs past it, and one within the
   zone after a cut moves back onto it when the previous cue leaves room (a cue on a cut
   between grid frames starts at the cut's own time when that is earlier);
4. out-times: extended into free time to meet the minimum duration and reading speed,
   never across a cut the speech does not cross, never past the next cue minus the minimum
   gap; gaps within the chaining threshold close to the minimum gap; an out-time within the
   zone of a cut moves to ``out_before_cut_frames`` before it (or past the zone when the
   speech crosses the cut and there is room); the parts of a split cue share their time
   by the time their text needs;
5. line breaks (see :mod:`localize.timing.linebreak`); what no timing can fix is flagged
   on the cue (``"rule: reason"``).
"""

from __future__ import annotations

import bisect
import copy
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

from localize.formats.markup import plain
from localize.model import Cue, Track, Word, format_ms, join_lines, require_track
from localize.timing.linebreak import (
    allowed_breaks,
    break_cost,
    break_lines,
    fits,
    text_length,
)
from localize.timing.profiles import Profile, load_profile
from localize.validate import as_items, as_times

SPLIT_REACH = 5  # a text is split within this many cue capacities of its middle (linear time on huge lines)
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


def retime(track: Track, profile: Profile | str, shots: Sequence[int] = (), protected: Sequence[str] = ()) -> Track:
    """A new track timed to ``profile`` and the cuts ``shots`` (ms); ``track`` is unchanged.

    ``protected`` strings (glossary targets, names) are never split across lines.
    """
    require_track(track)
    shots, protected = as_times(shots, "shots"), as_items(protected, "protected", (str,))
    profile = load_profile(profile)
    grid = Grid.of(profile, track.fps)
    cut_times = _cut_times(shots, grid)
    cuts = sorted(cut_times)
    ordered = sorted(track.cues, key=lambda c: c.start)
    slots = [s for cue in ordered for s in _split(_slot(cue, grid), profile, grid, protected)]
    slots = _merge(slots, profile, grid, cuts, protected)
    _place_starts(slots, grid, cuts)
    _place_ends(slots, grid, cuts)
    cues = [_finish(slot, profile, grid, protected) for slot in slots]
    _start_on_cut_times(cues, slots, cut_times, grid, profile)
    meta = {**copy.deepcopy(track.meta), "timing_profile": profile.name}
    return Track(
        cues=cues, language=track.language, fps=track.fps, meta=meta, translation=copy.deepcopy(track.translation)
    )


def _cut_times(shots: Sequence[int], grid: Grid) -> dict[int, int]:
    """Each cut's grid frame and its own time (ms): the first frame of the new shot, which
    for variable frame rate video can fall between grid frames."""
    times: dict[int, int] = {}
    for ms in sorted(shots, reverse=True):
        if grid.nearest(ms) > 0:  # the first frame is no cut
            times[grid.nearest(ms)] = ms  # the earliest cut on a frame wins
    return times


# --- pass 0: cues to slots ---------------------------------------------------------------


def _slot(cue: Cue, grid: Grid) -> Slot:
    start, end = (cue.words[0].start, cue.words[-1].end) if cue.words else (cue.start, cue.end)
    first = grid.ceil(start)
    return Slot(
        cue=cue,
        text=cue.plain_text,
        speech_start=first,
        speech_end=max(grid.ceil(end), first + 1),
        words=list(cue.words),
    )


# --- pass 1: split -----------------------------------------------------------------------


def _split(slot: Slot, profile: Profile, grid: Grid, protected: Sequence[str]) -> list[Slot]:
    too_long = not fits(slot.text, profile, protected)
    too_slow = slot.speech_end - slot.speech_start > grid.max_frames
    if not (too_long or too_slow):
        return [slot]
    middle, reach = len(slot.text) // 2, SPLIT_REACH * profile.capacity
    boundaries = allowed_breaks(slot.text, protected, middle - reach, middle + reach + 1) or allowed_breaks(
        slot.text, protected
    )
    if not boundaries:
        return [slot]
    index = min(boundaries, key=lambda b: _split_cost(slot.text, b))
    first, second = _cut_slot(slot, index, grid)
    return _split(first, profile, grid, protected) + _split(second, profile, grid, protected)


def _split_cost(text: str, index: int) -> float:
    """Near the middle, at a clause boundary if there is one, by the line-break grammar."""
    return abs(index - len(text) / 2) / len(text) + break_cost(text, index) / 100


def _cut_slot(slot: Slot, index: int, grid: Grid) -> tuple[Slot, Slot]:
    head, tail = slot.text[:index].rstrip(), slot.text[index:].lstrip()
    at = _split_frame(slot, index, grid)
    words_head = [w for w in slot.words if grid.ceil(w.start) < at]
    words_tail = slot.words[len(words_head) :]
    first = replace(slot, text=head, speech_end=max(at, slot.speech_start + 1), words=words_head, flags=[])
    second = replace(slot, text=tail, speech_start=min(at, slot.speech_end - 1), words=words_tail, flags=[])
    return first, second


def _split_frame(slot: Slot, index: int, grid: Grid) -> int:
    """Frame where the speech of ``text[index:]`` starts: from word times when they spell
    the text, else in proportion to characters."""
    norm = _letters(slot.text)
    if slot.words and "".join(_letters(w.text) for w in slot.words) == norm:
        done = len(_letters(slot.text[:index]))
        count = 0
        for word in slot.words:
            if count >= done:
                return max(grid.ceil(word.start), slot.speech_start + 1)
            count += len(_letters(word.text))
    share = Fraction(len(slot.text[:index].rstrip()), max(len(slot.text), 1))
    span = slot.speech_end - slot.speech_start
    return slot.speech_start + max(1, min(span - 1, round(span * share)))


def _letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


# --- pass 2: merge -----------------------------------------------------------------------


def _merge(slots: list[Slot], profile: Profile, grid: Grid, cuts: list[int], protected: Sequence[str]) -> list[Slot]:
    merged: list[Slot] = []
    for slot in slots:
        if merged and _should_merge(merged[-1], slot, profile, grid, cuts, protected):
            previous = merged[-1]
            dialogue = _speaker_change(previous, slot)
            merged[-1] = _dialogue(previous, slot, profile.dialogue_dash) if dialogue else _joined(previous, slot)
        else:
            merged.append(slot)
    return merged


def _should_merge(a: Slot, b: Slot, profile: Profile, grid: Grid, cuts: list[int], protected: Sequence[str]) -> bool:
    overlapping = b.speech_start < a.speech_end and b.speech_start - a.speech_start < grid.min_frames + grid.gap
    fragment = (
        min(a.speech_end - a.speech_start, b.speech_end - b.speech_start) < grid.min_frames
        and b.speech_start - a.speech_end <= grid.chain
        and not _cut_between(cuts, a.speech_end, b.speech_start)
    )
    if not (overlapping or fragment):
        return False
    if _speaker_change(a, b):
        return _fits_dialogue(a, b, profile, grid)
    if a.cue.line_speakers:
        return False
    span = max(a.speech_end, b.speech_end) - a.speech_start
    return span <= grid.max_frames and fits(join_lines([a.text, b.text]), profile, protected)


def _speaker_change(a: Slot, b: Slot) -> bool:
    return bool(a.cue.speaker and b.cue.speaker and a.cue.speaker != b.cue.speaker)


def _fits_dialogue(a: Slot, b: Slot, profile: Profile, grid: Grid) -> bool:
    """Two speakers share a cue only as one line each, within the profile's limits."""
    lines = [
        profile.dialogue_dash + join_lines(a.text.split("\n")),
        profile.dialogue_dash + join_lines(b.text.split("\n")),
    ]
    span = max(a.speech_end, b.speech_end) - a.speech_start
    return (
        not a.cue.line_speakers
        and not b.cue.line_speakers
        and profile.max_lines >= 2
        and span <= grid.max_frames
        and all(text_length(line) <= profile.chars_per_line for line in lines)
    )


def _dialogue(a: Slot, b: Slot, dash: str) -> Slot:
    """``a`` and ``b`` as one dialogue event: a line per speaker, each opened by ``dash``."""
    lines = [dash + join_lines(slot.text.split("\n")) for slot in (a, b)]
    source = "\n".join(s for s in (a.cue.source, b.cue.source) if s) or None
    flags = a.cue.flags + [f for f in b.cue.flags if f not in a.cue.flags]
    cue = replace(
        a.cue, source=source, flags=flags, line_speakers=[a.cue.speaker or "", b.cue.speaker or ""]
    )  # both set: a speaker change
    return replace(
        a, cue=cue, text="\n".join(lines), speech_end=max(a.speech_end, b.speech_end), words=a.words + b.words
    )


def _cut_between(cuts: list[int], start: int, end: int) -> bool:
    """A cut in (start, end]."""
    index = bisect.bisect_right(cuts, start)
    return index < len(cuts) and cuts[index] <= end


def _joined(a: Slot, b: Slot) -> Slot:
    source = join_lines([a.cue.source, b.cue.source]) if a.cue.source and b.cue.source else a.cue.source
    speaker = a.cue.speaker if a.cue.speaker == b.cue.speaker else None
    flags = a.cue.flags + [f for f in b.cue.flags if f not in a.cue.flags]
    cue = replace(a.cue, source=source, speaker=speaker, flags=flags)
    return replace(
        a,
        cue=cue,
        text=join_lines([a.text, b.text]),
        speech_end=max(a.speech_end, b.speech_end),
        words=a.words + b.words,
    )


# --- pass 3: in-times --------------------------------------------------------------------


def _place_starts(slots: list[Slot], grid: Grid, cuts: list[int]) -> None:
    previous: Slot | None = None
    for slot in slots:
        slot.start = _snap_in(slot, previous, grid, cuts)
        previous = slot


def _snap_in(slot: Slot, previous: Slot | None, grid: Grid, cuts: list[int]) -> int:
    """Speech start (or after the previous cue), cut-aware.

    Within ``zone`` frames after a cut the in-time moves back onto the cut (the guide: an
    event sits on a cut or ``zone`` frames away; the subtitle leads its speech by those
    frames) when the previous cue leaves room. Within ``snap`` frames before a cut it moves
    onto the cut. Further out the guide moves it ``zone`` frames before the cut, which
    starts the subtitle before its speech: allowed only within ``lead_in`` frames (0 by
    default), else onto the cut.
    """
    earliest = previous.start + 1 + grid.gap if previous else 0
    start = max(slot.speech_start, earliest)
    behind = _cut_behind(start, grid, cuts)
    if behind is not None and _why_not_onto(behind, previous, grid, cuts) is None:
        start = behind
    start = _snap_forward(slot, start, earliest, grid, cuts)
    behind = _cut_behind(start, grid, cuts)
    if behind is not None:
        reason = _why_not_onto(behind, previous, grid, cuts) or "it is placed the shot-change zone before the next cut"
        slot.flags.append(
            f"shot_change: in-time {start - behind} frames after the cut at {format_ms(grid.ms(behind))}: {reason}"
        )
    return start


def _cut_behind(start: int, grid: Grid, cuts: list[int]) -> int | None:
    """The cut 1 to ``zone - 1`` frames before ``start``, if any."""
    index = bisect.bisect_right(cuts, start) - 1
    return cuts[index] if index >= 0 and 0 < start - cuts[index] < grid.zone else None


def _why_not_onto(cut: int, previous: Slot | None, grid: Grid, cuts: list[int]) -> str | None:
    """Why the in-time cannot move back onto ``cut``, or None when it can: the previous cue
    keeps the minimum gap (and, when its speech runs past the cut, its minimum duration),
    and no other cut follows within the zone."""
    if previous is not None:
        keep = 1 if previous.speech_end <= cut else grid.min_frames
        if cut - grid.gap < previous.start + keep:
            return f"the previous cue, from {format_ms(grid.ms(previous.start))}, leaves no room to start on the cut"
    after = _first_cut_at_or_after(cuts, cut + 1)
    if after is not None and after - cut < grid.zone:
        return f"the next cut, at {format_ms(grid.ms(after))}, is {after - cut} frames after it"
    return None


def _snap_forward(slot: Slot, start: int, earliest: int, grid: Grid, cuts: list[int]) -> int:
    """The in-time within the zone before a cut: onto it, or ``zone`` frames before it."""
    index = bisect.bisect_right(cuts, start)
    while index < len(cuts) and cuts[index] - start < grid.zone:
        cut = cuts[index]
        if cut - start > grid.snap and cut - grid.zone >= max(earliest, start - grid.lead_in):
            return cut - grid.zone
        if slot.speech_end <= cut:
            slot.flags.append(
                f"shot_change: in-time {cut - start} frames before the cut at {format_ms(grid.ms(cut))}: the speech "
                f"ends before the cut, and an earlier start would precede the speech or the previous cue"
            )
            return start
        start, index = cut, index + 1  # onto the cut; the next cut may be close too
    return start


# --- pass 4: out-times -------------------------------------------------------------------


def _place_ends(slots: list[Slot], grid: Grid, cuts: list[int]) -> None:
    for index, slot in enumerate(slots):
        following = slots[index + 1].start if index + 1 < len(slots) else None
        _place_end(slot, following, grid, cuts)
    _balance_parts(slots, grid, cuts)
    _flag_open_gaps(slots, grid, cuts)


def _flag_open_gaps(slots: list[Slot], grid: Grid, cuts: list[int]) -> None:
    """Explain a gap within the chaining threshold that the out-time could not close:
    the limit that stopped it (the maximum duration: the next speech starts too late)."""
    for a, b in zip(slots, slots[1:]):
        gap = b.start - a.end
        cut_inside = bisect.bisect_left(cuts, a.end) < bisect.bisect_right(cuts, b.start)
        if grid.gap < gap <= grid.chain and not cut_inside:
            a.flags.append(f"gap: {gap} frames to the next cue: closing it to {grid.gap} would run past {a.limit}")


def _balance_parts(slots: list[Slot], grid: Grid, cuts: list[int]) -> None:
    """Share a split cue's time between its parts by the time their text needs, when the
    first part is short of it: the boundary only moves later, never near or over a cut."""
    for a, b in zip(slots, slots[1:]):
        need_a, need_b = grid.needed(a.text), grid.needed(b.text)
        if a.cue is not b.cue or a.end - a.start >= need_a or _cut_between(cuts, a.start, b.end):
            continue
        end = a.start + (b.end - a.start - grid.gap) * need_a // (need_a + need_b)
        next_cut = _first_cut_at_or_after(cuts, end + grid.gap)
        clear = _out_zone_distance(end, a.start, grid, cuts) is None and (
            next_cut is None or next_cut - end - grid.gap >= grid.zone
        )
        if a.end < end < b.end - grid.gap and clear:
            a.end, b.start = end, end + grid.gap
            a.limit = f"the next part at {format_ms(grid.ms(b.start))}"


def _place_end(slot: Slot, following: int | None, grid: Grid, cuts: list[int]) -> None:
    start = slot.start
    limits = [(start + grid.max_frames, "the maximum duration")]
    if following is not None:
        limits.append((following - grid.gap, f"the next cue at {format_ms(grid.ms(following))}"))
    barrier = _first_cut_at_or_after(cuts, max(slot.speech_end, start + 1))
    if barrier is not None and barrier - grid.out_before > start:
        limits.append((barrier - grid.out_before, f"the cut at {format_ms(grid.ms(barrier))}"))
    high, slot.limit = min(limits)
    high = max(high, start + 1)
    end = min(max(slot.speech_end, start + grid.needed(slot.text)), high)
    end = _chain(_snap_out(start, _chain(end, following, high, grid), high, grid, cuts), following, high, grid)
    slot.end = max(end, start + 1)
    distance = _out_zone_distance(slot.end, start, grid, cuts)
    if distance is not None:
        where = f"{distance} frames before" if distance > 0 else f"{-distance} frames after"
        slot.flags.append(f"shot_change: out-time {where} a cut: {slot.limit} leaves no room to move it")


def _chain(end: int, following: int | None, high: int, grid: Grid) -> int:
    """Close a gap of ``chain`` frames or less to the minimum gap."""
    if following is not None and 0 < following - end <= grid.chain and following - grid.gap <= high:
        return following - grid.gap
    return end


def _out_zone_distance(end: int, start: int, grid: Grid, cuts: list[int]) -> int | None:
    """Frames from the out-time to a cut inside its zone (other than a proper out-time), or None."""
    for index in range(bisect.bisect_left(cuts, end - grid.zone + 1), len(cuts)):
        cut = cuts[index]
        distance = cut - end
        if distance >= grid.zone:
            return None
        if cut > start and not 0 <= distance <= grid.out_before:
            return distance
    return None


def _first_cut_at_or_after(cuts: list[int], frame: int) -> int | None:
    index = bisect.bisect_left(cuts, frame)
    return cuts[index] if index < len(cuts) else None


def _snap_out(start: int, end: int, high: int, grid: Grid, cuts: list[int]) -> int:
    """Out-time within the zone of a cut: to ``out_before`` frames before it, or, when the
    cue already crosses that cut, past the zone if there is room."""
    after = _first_cut_at_or_after(cuts, end)
    if after is not None and after - end < grid.zone and after - end != grid.out_before:
        target = after - grid.out_before
        if start < target <= high:
            return target
    index = bisect.bisect_left(cuts, end) - 1
    before = cuts[index] if index >= 0 else None
    if before is not None and start < before and end - before < grid.zone:
        if before + grid.zone <= high:
            return before + grid.zone
        if before - grid.out_before > start:
            return before - grid.out_before
    return end


# --- pass 5: text and flags --------------------------------------------------------------


def _finish(slot: Slot, profile: Profile, grid: Grid, protected: Sequence[str]) -> Cue:
    text = slot.text if slot.cue.line_speakers else break_lines(slot.text, profile, protected)
    own = [f for f in slot.cue.flags if f.split(":", 1)[0] not in RULES]
    return replace(
        slot.cue,
        start=grid.ms(slot.start),
        end=grid.ms(slot.end),
        text=text,
        words=[replace(w) for w in slot.words],
        flags=own + slot.flags + _unfixable(slot, text, profile, grid),
    )


def _start_on_cut_times(
    cues: list[Cue], slots: list[Slot], cut_times: dict[int, int], grid: Grid, profile: Profile
) -> None:
    """A cue on a cut whose own time is earlier than its grid frame's (a cut between grid
    frames) starts at the cut's time, so it shows from the new shot's first frame, when
    the minimum gap to the previous cue and the maximum duration still hold."""
    for index, (cue, slot) in enumerate(zip(cues, slots)):
        cut = cut_times.get(slot.start)
        if cut is None or cut >= cue.start or cue.end - cut > profile.max_duration_ms:
            continue
        if index == 0 or grid.nearest(cut - cues[index - 1].end) >= grid.gap:
            cue.start = cut


def _unfixable(slot: Slot, text: str, profile: Profile, grid: Grid) -> list[str]:
    """Flags for the rules the timing could not meet, each with the reason."""
    flags = []
    frames = slot.end - slot.start
    seconds = grid.seconds(frames)
    needed = grid.seconds(grid.needed(text))
    length = reading_length(text)
    if length and length / seconds > profile.cps + 1e-9:
        flags.append(
            f"reading_speed: {length / seconds:.1f} cps: speech slot {seconds:.2f} s up to {slot.limit}, "
            f"text needs {needed:.2f} s at {profile.cps:g} cps"
        )
    if frames < grid.min_frames:
        flags.append(f"min_duration: {grid.ms(slot.end) - grid.ms(slot.start)} ms: no room past {slot.limit}")
    lines = text.split("\n")
    if len(lines) > profile.max_lines:
        flags.append(f"line_count: {len(lines)} lines: the text cannot be split at a clause or word boundary")
    longest = max(text_length(line) for line in lines)
    if longest > profile.line_limit:
        flags.append(f"line_length: {longest} characters in a line: no break point outside protected terms")
    return flags
