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

import copy
import re
from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from localize.formats import markup
from localize.model import Cue, Track, join_lines, require_track
from localize.timing.grid import RULES, Grid, Slot, cut_between, reading_length
from localize.timing.linebreak import (
    allowed_breaks,
    break_cost,
    break_lines,
    fits,
    text_length,
)
from localize.timing.placement import place_ends, place_starts
from localize.timing.profiles import Profile, load_profile
from localize.validate import as_items, as_times, public

SPLIT_REACH = 5  # a text is split within this many cue capacities of its middle (linear time on huge lines)


@public()
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
    place_starts(slots, grid, cuts)
    place_ends(slots, grid, cuts)
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
        text=markup.join(cue.lines),
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
    bare = markup.plain(slot.text)  # split points are indexes into the text without markup
    middle, reach = len(bare) // 2, SPLIT_REACH * profile.capacity
    boundaries = allowed_breaks(bare, protected, middle - reach, middle + reach + 1) or allowed_breaks(bare, protected)
    if not boundaries:
        return [slot]
    index = min(boundaries, key=lambda b: _split_cost(bare, b))
    first, second = _cut_slot(slot, index, grid)
    return _split(first, profile, grid, protected) + _split(second, profile, grid, protected)


def _split_cost(text: str, index: int) -> float:
    """Near the middle, at a clause boundary if there is one, by the line-break grammar."""
    return abs(index - len(text) / 2) / len(text) + break_cost(text, index) / 100


def _cut_slot(slot: Slot, index: int, grid: Grid) -> tuple[Slot, Slot]:
    head, tail = markup.cut(slot.text, index)
    at = _split_frame(slot, index, grid)
    words_head = [w for w in slot.words if grid.ceil(w.start) < at]
    words_tail = slot.words[len(words_head) :]
    first = replace(slot, text=head, speech_end=max(at, slot.speech_start + 1), words=words_head, flags=[])
    second = replace(slot, text=tail, speech_start=min(at, slot.speech_end - 1), words=words_tail, flags=[])
    return first, second


def _split_frame(slot: Slot, index: int, grid: Grid) -> int:
    """Frame where the speech of ``text[index:]`` (``index`` into the text without markup) starts:
    from word times when they spell the text, else in proportion to characters."""
    text = markup.plain(slot.text)
    norm = _letters(text)
    if slot.words and "".join(_letters(w.text) for w in slot.words) == norm:
        done = len(_letters(text[:index]))
        count = 0
        for word in slot.words:
            if count >= done:
                return max(grid.ceil(word.start), slot.speech_start + 1)
            count += len(_letters(word.text))
    share = Fraction(len(text[:index].rstrip()), max(len(text), 1))
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
        and not cut_between(cuts, a.speech_end, b.speech_start)
    )
    if not (overlapping or fragment):
        return False
    if _speaker_change(a, b):
        return _fits_dialogue(a, b, profile, grid)
    if a.cue.line_speakers:
        return False
    span = max(a.speech_end, b.speech_end) - a.speech_start
    return span <= grid.max_frames and fits(markup.join([a.text, b.text]), profile, protected)


def _speaker_change(a: Slot, b: Slot) -> bool:
    return bool(a.cue.speaker and b.cue.speaker and a.cue.speaker != b.cue.speaker)


def _fits_dialogue(a: Slot, b: Slot, profile: Profile, grid: Grid) -> bool:
    """Two speakers share a cue only as one line each, within the profile's limits."""
    lines = [
        profile.dialogue_dash + markup.join(a.text.split("\n")),
        profile.dialogue_dash + markup.join(b.text.split("\n")),
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
    lines = [dash + markup.join(slot.text.split("\n")) for slot in (a, b)]
    source = "\n".join(s for s in (a.cue.source, b.cue.source) if s) or None
    flags = a.cue.flags + [f for f in b.cue.flags if f not in a.cue.flags]
    cue = replace(
        a.cue, source=source, flags=flags, line_speakers=[a.cue.speaker or "", b.cue.speaker or ""]
    )  # both set: a speaker change
    return replace(
        a, cue=cue, text="\n".join(lines), speech_end=max(a.speech_end, b.speech_end), words=a.words + b.words
    )


def _joined(a: Slot, b: Slot) -> Slot:
    source = join_lines([a.cue.source, b.cue.source]) if a.cue.source and b.cue.source else a.cue.source
    speaker = a.cue.speaker if a.cue.speaker == b.cue.speaker else None
    flags = a.cue.flags + [f for f in b.cue.flags if f not in a.cue.flags]
    cue = replace(a.cue, source=source, speaker=speaker, flags=flags)
    return replace(
        a,
        cue=cue,
        text=markup.join([a.text, b.text]),
        speech_end=max(a.speech_end, b.speech_end),
        words=a.words + b.words,
    )


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
