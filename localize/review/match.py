"""An edited subtitle file read back as edits: its cues matched to the machine cues.

A person who corrects a delivered file (``ep01.en.srt``) changes text, moves times, and
sometimes deletes, splits or merges cues. :func:`edits_from_file` matches the edited cues
to the machine cues by time overlap and order (a cue retimed clear of its old slot is
found by its text), keeps text and timing changes, and reports every cue it cannot take
as it is in one line: nothing is guessed silently.

Decisions: a deleted cue keeps its machine text; a split cue is taken as one cue with
the parts' lines and the parts' overall timing; merged cues, cues moved past a
neighbour and cues matching no machine cue are not taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from localize.errors import InputError, LocalizeError
from localize.model import Cue, Track, format_ms, require_track
from localize.paths import inside
from localize.review.edits import EditLayer, now_iso
from localize.review.spans import Spans
from localize.text import edit_distance

SAME_TEXT = 0.35  # normalized edit distance under which a displaced cue is taken as the same line


@dataclass
class CueChange:
    """What the edited file changed in one machine cue (``None``: unchanged)."""

    id: str
    text: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass
class EditReport:
    """The changes found in one edited file and one line per cue not taken as it is."""

    file: str
    changes: list[CueChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def apply(self, layer: EditLayer, by: str | None = None) -> EditLayer:
        """A copy of ``layer`` with the changes set as reviewed text and timing (status ``reviewed``)."""
        return apply_changes(layer, self.changes, by or f"edited {self.file}")


def apply_changes(layer: EditLayer, changes: list[CueChange], by: str) -> EditLayer:
    """A copy of ``layer`` with ``changes`` applied; a text equal to the machine's clears the reviewed text."""
    result = EditLayer(**{**layer.__dict__, "cues": [replace(c, flags=list(c.flags)) for c in layer.cues]})
    when = now_iso()
    for change in changes:
        edit = result.cue(change.id)
        if change.text is not None:
            edit.text = None if change.text == edit.machine else change.text
        if change.start is not None:
            edit.new_start = None if change.start == edit.start else change.start
        if change.end is not None:
            edit.new_end = None if change.end == edit.end else change.end
        edit.status = "reviewed" if edit.status == "machine" else edit.status
        edit.updated, edit.by = when, by
    return result


def edits_from_file(machine: Track, edited: Track, name: str = "edited file", fmt: str | None = None) -> EditReport:
    """Match ``edited`` (a person's version of the delivered ``machine`` track) cue by cue.

    ``fmt`` is the delivered format: the machine track is written and read back through it
    first, so what the format cannot carry (ASS's centiseconds) is no change. Invalid timing
    in ``edited`` is refused with :class:`InputError` naming ``name`` and the cue.
    """
    require_track(machine, "machine")
    require_track(edited, "edited")
    try:
        edited.validate()
    except LocalizeError as error:
        raise InputError(f"{name}: {error}") from None
    base = _as_delivered(machine, fmt)
    report = EditReport(name)
    pairs = _match(base.cues, sorted(edited.cues, key=lambda c: (c.start, c.end)), report)
    for index, cue in sorted(pairs.items()):
        change = _change(str(index + 1), base.cues[index], cue)
        if change is not None:
            report.changes.append(change)
    return report


def _as_delivered(machine: Track, fmt: str | None) -> Track:
    if fmt is None:
        return machine
    from localize.formats import dumps, loads

    again = loads(dumps(machine, fmt), fmt)
    return again if len(again.cues) == len(machine.cues) else machine


def _change(cue_id: str, machine: Cue, edited: Cue) -> CueChange | None:
    text = edited.text if _norm(edited.text) != _norm(machine.text) else None
    start = edited.start if edited.start != machine.start else None
    end = edited.end if edited.end != machine.end else None
    return None if text is None and start is None and end is None else CueChange(cue_id, text, start, end)


def _norm(text: str) -> str:
    return "\n".join(line.strip() for line in text.strip().split("\n"))


def _overlaps(a: Cue, b: Cue) -> bool:
    """True when ``a`` and ``b`` share at least half of the shorter one's time."""
    shared = min(a.end, b.end) - max(a.start, b.start)
    return shared > 0 and shared * 2 >= min(a.end - a.start, b.end - b.start)


def _match(machine: list[Cue], edited: list[Cue], report: EditReport) -> dict[int, Cue]:
    """Machine index -> the edited cue standing for it; what cannot be matched goes into ``report.notes``."""
    spans = Spans(machine)
    back = [_linked(machine, spans, e) for e in edited]
    links: list[list[int]] = [[] for _ in machine]
    for j, found in enumerate(back):
        for i in found:
            links[i].append(j)
    pairs: dict[int, Cue] = {}
    used: set[int] = set()
    for i, found in enumerate(links):
        if len(found) == 1 and len(back[found[0]]) == 1:
            pairs[i] = edited[found[0]]
            used.add(found[0])
        elif len(found) > 1 and all(len(back[j]) == 1 for j in found):
            pairs[i] = _joined([edited[j] for j in found])
            used.update(found)
            report.notes.append(
                f"{report.file}: cue {i + 1} was split into {len(found)} cues: taken as one cue "
                "with their lines and overall timing"
            )
    merged = _merged(back, edited, used, report)
    unmatched = [i for i in range(len(machine)) if i not in pairs and i not in merged]
    _displaced(machine, [e for j, e in enumerate(edited) if j not in used], unmatched, pairs, report)
    return pairs


def _linked(machine: list[Cue], spans: Spans, cue: Cue) -> list[int]:
    """The machine cues ``cue`` overlaps, unless its text is a nearby other machine cue's (it was moved there)."""
    found = [i for i in spans.overlapping(cue.start, cue.end) if _overlaps(machine[i], cue)]
    if not found or any(_distance(machine[i].text, cue.text) <= SAME_TEXT for i in found):
        return found
    near = set(range(max(0, found[0] - 2), min(len(machine), found[-1] + 3))) - set(found)
    return [] if any(_distance(machine[k].text, cue.text) <= SAME_TEXT for k in near) else found


def _joined(parts: list[Cue]) -> Cue:
    return Cue(parts[0].start, parts[-1].end, "\n".join(p.plain_text for p in parts))


def _merged(back: list[list[int]], edited: list[Cue], used: set[int], report: EditReport) -> set[int]:
    """Edited cues covering several machine cues: reported, not taken; the machine indices involved."""
    involved: set[int] = set()
    for j, found in enumerate(back):
        if len(found) > 1:
            used.add(j)
            involved.update(found)
            ids = ", ".join(str(i + 1) for i in found)
            report.notes.append(
                f"{report.file}: cues {ids} were merged into one ({format_ms(edited[j].start)}, "
                f"{_quote(edited[j].text)}): not taken, they keep their text (edit them apart)"
            )
    return involved


def _displaced(
    machine: list[Cue], rest: list[Cue], unmatched: list[int], pairs: dict[int, Cue], report: EditReport
) -> None:
    """Edited cues left over, found by text: retimed in order (taken) or moved past a neighbour (not taken).

    ``unmatched`` (machine indices neither matched nor in a merge) is consumed; what remains was deleted.
    """
    for cue in rest:
        best = min(unmatched, key=lambda i: _distance(machine[i].text, cue.text), default=None)
        if best is None or _distance(machine[best].text, cue.text) > SAME_TEXT:
            best = _slot(machine, unmatched, cue)  # a new text in its own slot (a neighbour's words pasted in)
        if best is None:
            report.notes.append(
                f"{report.file}: the cue at {format_ms(cue.start)} ({_quote(cue.text)}) matches no "
                "machine cue: not taken"
            )
            continue
        unmatched.remove(best)
        if _in_order(best, cue, pairs):
            pairs[best] = cue
        else:
            report.notes.append(
                f"{report.file}: cue {best + 1} was moved past a neighbouring cue (to "
                f"{format_ms(cue.start)}): not taken, it keeps its machine text and timing"
            )
    for i in unmatched:
        report.notes.append(
            f"{report.file}: cue {i + 1} ({format_ms(machine[i].start)}, {_quote(machine[i].text)}) "
            "was deleted: kept with its machine text"
        )


def _slot(machine: list[Cue], unmatched: list[int], cue: Cue) -> int | None:
    """The one unmatched machine cue whose time ``cue`` keeps, if there is exactly one."""
    found = [i for i in unmatched if _overlaps(machine[i], cue)]
    return found[0] if len(found) == 1 else None


def _in_order(index: int, cue: Cue, pairs: dict[int, Cue]) -> bool:
    """True when ``cue`` placed at machine ``index`` keeps the edited cues around it in order."""
    before = [c.start for i, c in pairs.items() if i < index]
    after = [c.start for i, c in pairs.items() if i > index]
    return all(s <= cue.start for s in before) and all(cue.start <= s for s in after)


def _distance(a: str, b: str) -> float:
    a, b = _norm(a), _norm(b)
    return edit_distance(a, b) / max(len(a), len(b), 1)


def _quote(text: str) -> str:
    line = " / ".join(text.split("\n"))
    return '"' + (line if len(line) <= 40 else line[:37] + "...") + '"'


def merge_reports(reports: list[EditReport]) -> list[CueChange]:
    """The changes of several edited files of one market; two files changing one cue differently are refused."""
    chosen: dict[str, tuple[CueChange, str]] = {}
    for report in reports:
        for change in report.changes:
            seen = chosen.get(change.id)
            if seen is not None and seen[0] != change:
                raise InputError(
                    f"{seen[1]} and {report.file} change cue {change.id} differently: keep the edit in one of them"
                )
            chosen.setdefault(change.id, (change, report.file))
    return [chosen[key][0] for key in sorted(chosen, key=int)]


def edits_from_delivered(episode_dir: str | Path, output: dict[str, Any], machine: Track) -> EditReport | None:
    """The edits in one delivered subtitle file (a manifest output: ``path``, ``sha256``); None when unchanged.

    A file that is gone is no edit (None); the run writes it again.
    """
    from localize.fileio import sha256_file
    from localize.formats import format_for, load

    path = inside(episode_dir, output["path"])
    if not path.is_file() or sha256_file(path) == output["sha256"]:
        return None
    return edits_from_file(machine, load(path), output["path"], format_for(path).name)


def delivered_edits(episode_dir: str | Path, market: str, machine: Track | None = None) -> EditReport | None:
    """Every delivered subtitle file of ``market`` that a person changed, read back as one report; None if none.

    ``machine`` is the track the run delivered (default: read from a delivered file still
    intact). The report's ``file`` names the changed files; two of them changing one cue
    differently are refused (:class:`InputError` naming both). Call it before a run rewrites
    the manifest.
    """
    from localize.review.delivered import delivered_subtitles, machine_track, read_manifest

    episode_dir = Path(episode_dir)
    manifest = read_manifest(episode_dir)
    track = machine if machine is not None else machine_track(episode_dir, market, manifest)
    reports = [
        r
        for o in delivered_subtitles(episode_dir, market, manifest)
        if (r := edits_from_delivered(episode_dir, o, track)) is not None
    ]
    if not reports:
        return None
    return EditReport(", ".join(r.file for r in reports), merge_reports(reports), [n for r in reports for n in r.notes])
