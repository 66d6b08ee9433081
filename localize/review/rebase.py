"""An edit layer carried onto a new machine track (a re-run: new source lines, a new engine, new timing).

Each reviewed cue of the old layer is found in the new machine track (the same id when its
time still overlaps, else the cue its machine time overlaps most) and its edit carried
over. When the source line under it changed, the edit is kept and flagged
``source changed since review``: :func:`localize.review.edits.apply_edits` leaves such a cue
as the machine has it until a person saves it again without the flag. An edit whose cue is
gone is reported in one line, never dropped silently.
"""

from __future__ import annotations

from localize.model import Track, format_ms
from localize.review.edits import SOURCE_CHANGED, CueEdit, EditLayer, layer_from_track, refresh_suspect_flags


def rebase_edits(layer: EditLayer, machine: Track) -> tuple[EditLayer, list[str]]:
    """A layer for ``machine`` with the reviewed cues of ``layer`` carried over, and one line per edit not carried."""
    fresh = layer_from_track(machine, layer.episode, layer.market, layer.source_language or machine.source_language)
    fresh.revision = layer.revision
    notes: list[str] = []
    taken: set[str] = set()
    for old in (e for e in layer.cues if e.edited or e.status != "machine"):
        target = _counterpart(old, fresh, taken)
        if target is None:
            notes.append(
                f"{layer.episode}/{layer.market}: the edit of cue {old.id} ({format_ms(old.start)}, "
                f"{old.status}) has no machine cue any more: not carried over"
            )
            continue
        taken.add(target.id)
        _carry(old, target)
    refresh_suspect_flags(fresh)
    return fresh, notes


def _counterpart(old: CueEdit, fresh: EditLayer, taken: set[str]) -> CueEdit | None:
    """The new machine cue standing where ``old`` stood: its id if the times still overlap, else the best overlap."""

    def shared(new: CueEdit) -> int:
        return min(old.end, new.end) - max(old.start, new.start)

    same = next((c for c in fresh.cues if c.id == old.id), None)
    if (
        same is not None
        and same.id not in taken
        and shared(same) * 2 >= min(old.end - old.start, same.end - same.start)
    ):
        return same
    best = max((c for c in fresh.cues if c.id not in taken), key=shared, default=None)
    return best if best is not None and shared(best) > 0 else None


def _carry(old: CueEdit, new: CueEdit) -> None:
    text = None if old.text is None or old.text == new.machine else old.text
    flags = [f for f in old.flags if f not in new.flags and not f.startswith("suspect: ")]
    if _norm(old.source) != _norm(new.source) and SOURCE_CHANGED not in flags:
        flags.append(SOURCE_CHANGED)
    new.text, new.new_start, new.new_end, new.new_speaker = text, old.new_start, old.new_end, old.new_speaker
    new.status, new.updated, new.by, new.flags = old.status, old.updated, old.by, [*new.flags, *flags]


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())
