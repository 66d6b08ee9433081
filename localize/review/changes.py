"""Changes the review page sends, checked and put onto an edit layer.

A change names a cue by id and sets any of ``text``, ``start``, ``end`` (ms),
``speaker`` and ``status``. A value equal to the machine's clears the reviewed field
(the machine value stands again); an edited cue still marked ``machine`` becomes
``reviewed``. Anything malformed is an :class:`InputError` naming the cue.
"""

from __future__ import annotations

import copy
from typing import Any

from localize.errors import InputError
from localize.review.edits import EDIT_STATUSES, CueEdit, EditLayer, now_iso
from localize.validate import as_int, as_text

FIELDS = ("id", "text", "start", "end", "speaker", "status")
MAX_TEXT = 1000  # characters in one cue: far beyond any subtitle, small enough for any request
MAX_SPEAKER = 100
LAST_MS = 24 * 3_600_000
BY = "review page"


def apply_changes(layer: EditLayer, changes: Any, by: str = BY) -> EditLayer:
    """A copy of ``layer`` with ``changes`` (a list of change objects) applied."""
    if not isinstance(changes, list):
        raise InputError("'edits' must be a list of cue changes")
    result = copy.deepcopy(layer)
    for change in changes:
        if not isinstance(change, dict):
            raise InputError("each change must be an object with an 'id'")
        apply_change(result.cue(str(change.get("id"))), change, by)
    return result


def apply_change(cue: CueEdit, change: dict[str, Any], by: str = BY) -> None:
    """Put one change onto ``cue`` (in place); stamps ``updated``/``by`` when anything changed."""
    where = f"cue {cue.id}"
    unknown = sorted(set(change) - set(FIELDS))
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r}")
    before = _reviewed(cue)
    if "text" in change:
        text = _text(change["text"], where)
        cue.text = None if text == cue.machine else text
    if "start" in change:
        value = as_int(change["start"], f"{where}: start", 0, LAST_MS)
        cue.new_start = None if value == cue.start else value
    if "end" in change:
        value = as_int(change["end"], f"{where}: end", 0, LAST_MS)
        cue.new_end = None if value == cue.end else value
    if "speaker" in change:
        speaker = None if change["speaker"] is None else as_text(change["speaker"], f"{where}: speaker").strip()
        if speaker and len(speaker) > MAX_SPEAKER:
            raise InputError(f"{where}: speaker is longer than {MAX_SPEAKER} characters")
        cue.new_speaker = None if not speaker or speaker == cue.speaker else speaker
    if "status" in change:
        cue.status = as_text(change["status"], f"{where}: status", EDIT_STATUSES)
    if cue.edited and cue.status == "machine":
        cue.status = "reviewed"
    cue.check(where)
    if _reviewed(cue) != before:
        cue.updated, cue.by = now_iso(), by


def _text(value: Any, where: str) -> str:
    text = as_text(value, f"{where}: text").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise InputError(f"{where}: text is empty (a cue needs text)")
    if len(text) > MAX_TEXT:
        raise InputError(f"{where}: text is longer than {MAX_TEXT} characters")
    if any(ord(c) < 32 and c not in "\n\t" or ord(c) == 127 for c in text):
        raise InputError(f"{where}: text contains a control character")
    return text


def _reviewed(cue: CueEdit) -> tuple[Any, ...]:
    return cue.text, cue.new_start, cue.new_end, cue.new_speaker, cue.status
