"""Retiming passes 3 and 4 (see :mod:`localize.timing.retime`): in-times and out-times, cut-aware, in frames."""

from __future__ import annotations

import bisect

from localize.model import format_ms
from localize.timing.grid import Grid, Slot, cut_between

# --- pass 3: in-times --------------------------------------------------------------------


def place_starts(slots: list[Slot], grid: Grid, cuts: list[int]) -> None:
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


def place_ends(slots: list[Slot], grid: Grid, cuts: list[int]) -> None:
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
        if a.cue is not b.cue or a.end - a.start >= need_a or cut_between(cuts, a.start, b.end):
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
