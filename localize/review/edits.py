"""The edit layer: what a person changed in one market's track, cue by cue.

``OUT/<episode>/<market>/edits.json`` holds, for every machine cue of the delivered
track, the machine text, the reviewed text, timing and speaker changes, a status and
when and by whom it last changed. The review page and the importers (XLIFF, an edited
subtitle file) write it; :func:`apply_edits` puts it onto the machine track.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from localize.errors import InputError
from localize.fileio import write_text_atomic
from localize.model import Cue, Track, format_ms, require_track
from localize.paths import inside, safe_name
from localize.review.delivered import machine_track, read_manifest
from localize.translation.approved import Approved, ApprovedMemory
from localize.validate import as_path, as_text, public, shown

EDIT_STATUSES = ("machine", "reviewed", "needs-work", "approved")
EDITS_VERSION = 1
EDITS_FILE = "edits.json"
SOURCE_CHANGED = "source changed since review"  # the cue's edit waits for a person (apply_edits skips it)


class EditConflict(InputError):
    """The edit layer changed on disk since the revision an edit was based on."""


@dataclass
class CueEdit:
    """One machine cue and what a person made of it (``None``: unchanged)."""

    id: str
    start: int
    end: int
    source: str | None
    machine: str
    text: str | None = None
    new_start: int | None = None
    new_end: int | None = None
    speaker: str | None = None
    new_speaker: str | None = None
    status: str = "machine"
    flags: list[str] = field(default_factory=list)
    updated: str | None = None
    by: str | None = None

    @property
    def current(self) -> str:
        """The text that stands: the reviewed one, else the machine's."""
        return self.text if self.text is not None else self.machine

    @property
    def times(self) -> tuple[int, int]:
        return (
            self.new_start if self.new_start is not None else self.start,
            self.new_end if self.new_end is not None else self.end,
        )

    @property
    def edited(self) -> bool:
        """True when text, timing or speaker was reviewed."""
        return any(v is not None for v in (self.text, self.new_start, self.new_end, self.new_speaker))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, where: str) -> CueEdit:
        """A cue edit from plain data, every field checked (:class:`InputError` naming the key)."""
        if not isinstance(data, dict):
            raise InputError(f"{where} must be an object")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise InputError(f"{where}: unknown key {unknown[0]!r}")
        values = {name: _checked(data, name, kind, where) for name, kind in _CUE_FIELDS.items()}
        edit = cls(**values)
        edit.check(where)
        return edit

    def check(self, where: str) -> None:
        """Status known, times ordered (machine and reviewed), else :class:`InputError`."""
        if self.status not in EDIT_STATUSES:
            raise InputError(f"{where}: status {self.status!r} is not one of {', '.join(EDIT_STATUSES)}")
        for label, (start, end) in (("machine", (self.start, self.end)), ("reviewed", self.times)):
            if start < 0 or end <= start:
                raise InputError(
                    f"{where}: {label} timing {format_ms(start)} -> {format_ms(end)} ends before it starts"
                )


_CUE_FIELDS: dict[str, tuple[type, bool]] = {  # name: (type, required)
    "id": (str, True),
    "start": (int, True),
    "end": (int, True),
    "source": (str, False),
    "machine": (str, True),
    "text": (str, False),
    "new_start": (int, False),
    "new_end": (int, False),
    "speaker": (str, False),
    "new_speaker": (str, False),
    "status": (str, False),
    "flags": (list, False),
    "updated": (str, False),
    "by": (str, False),
}


def _checked(data: dict[str, Any], name: str, spec: tuple[type, bool], where: str) -> Any:
    kind, required = spec
    value = data.get(name)
    if value is None:
        if required:
            raise InputError(f"{where}: '{name}' is required")
        return {"status": "machine", "flags": []}.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InputError(f"{where}: '{name}' must be {kind.__name__}, got {value!r:.40}")
    if kind is list:
        items: list[Any] = data[name]
        if not all(isinstance(item, str) for item in items):
            raise InputError(f"{where}: '{name}' must be a list of strings")
        return list(items)
    return value


@dataclass
class EditLayer:
    """Every cue edit of one episode and market, with the revision it was saved at."""

    episode: str
    market: str
    language: str
    source_language: str | None
    revision: int = 0
    cues: list[CueEdit] = field(default_factory=list)

    def to_json(self) -> str:
        data = {
            "edits_version": EDITS_VERSION,
            "episode": self.episode,
            "market": self.market,
            "language": self.language,
            "source_language": self.source_language,
            "revision": self.revision,
            "cues": [c.to_dict() for c in self.cues],
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str = EDITS_FILE) -> EditLayer:
        """Parse and validate an edit layer; :class:`InputError` naming ``where`` and the cue on bad data."""
        try:
            data = json.loads(text)
        except ValueError as error:
            raise InputError(f"{where}: not JSON ({error})") from None
        if not isinstance(data, dict):
            raise InputError(f"{where}: must be a JSON object")
        if data.get("edits_version") != EDITS_VERSION:
            raise InputError(f"{where}: edits_version must be {EDITS_VERSION}, got {data.get('edits_version')!r}")
        for key, kind in (("episode", str), ("market", str), ("language", str), ("revision", int), ("cues", list)):
            if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
                raise InputError(f"{where}: '{key}' must be {kind.__name__}, got {data.get(key)!r:.40}")
        if not isinstance(data.get("source_language"), (str, type(None))):
            raise InputError(f"{where}: 'source_language' must be a string or null")
        cues = [CueEdit.from_dict(item, f"{where}: cue {n}") for n, item in enumerate(data["cues"], 1)]
        layer = cls(
            data["episode"], data["market"], data["language"], data.get("source_language"), data["revision"], cues
        )
        layer.check_ids(where)
        return layer

    def check_ids(self, where: str = EDITS_FILE) -> None:
        seen: set[str] = set()
        for edit in self.cues:
            if edit.id in seen:
                raise InputError(f"{where}: cue id {edit.id!r} appears twice")
            seen.add(edit.id)

    def cue(self, cue_id: str) -> CueEdit:
        """The edit of cue ``cue_id``; :class:`InputError` when the layer has no such cue."""
        for edit in self.cues:
            if edit.id == str(cue_id):
                return edit
        raise InputError(f"{self.episode}/{self.market}: no cue with id {cue_id!r} (ids 1..{len(self.cues)})")


def now_iso() -> str:
    """The current UTC time as ISO 8601 with seconds (``2026-12-03T13:07:10Z``)."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def edits_path(episode_dir: str | Path, market: str) -> Path:
    """``<episode_dir>/<market>/edits.json`` (the market must be one folder name inside it)."""
    return inside(Path(episode_dir), safe_name(market, "market")) / EDITS_FILE


def layer_from_track(track: Track, episode: str, market: str, source_language: str | None = None) -> EditLayer:
    """A fresh layer for a machine track: one ``machine`` cue edit per cue, ids ``"1".."N"``, suspect lines flagged."""
    require_track(track)
    cues = [
        CueEdit(str(n), c.start, c.end, c.source, c.text, speaker=c.speaker, flags=list(c.flags))
        for n, c in enumerate(track.cues, 1)
    ]
    language = track.language or ""
    layer = EditLayer(episode, market, language, source_language or track.source_language, 0, cues)
    refresh_suspect_flags(layer)
    return layer


def current_track(layer: EditLayer) -> Track:
    """The layer as a track: reviewed text, timing and speaker where set, machine otherwise (cues in id order)."""
    cues = [Cue(*c.times, c.current, source=c.source, speaker=c.new_speaker or c.speaker) for c in layer.cues]
    return Track(cues, language=layer.language or None)


def refresh_suspect_flags(layer: EditLayer) -> None:
    """Replace each cue's ``suspect: ...`` flags with the checks run on the current texts (in place)."""
    from localize.review.suspect import SUSPECT, suspect_flags

    found = suspect_flags(current_track(layer))
    for number, edit in enumerate(layer.cues, 1):
        edit.flags = [f for f in edit.flags if not f.startswith(SUSPECT)] + found.get(number, [])


@public()
def load_edits(episode_dir: str | Path, market: str) -> EditLayer:
    """The saved edit layer of one episode and market; a fresh all-``machine`` one when none is saved.

    A fresh layer is built from the delivered machine track: ``<market>/<episode>.<lang>.json``
    when the market delivers JSON, else the first subtitle file the manifest lists, skipping files
    changed since the run (source lines then come from the source transcript, by time overlap).
    """
    episode_dir, market = as_path(episode_dir, "episode_dir"), as_text(market, "market")
    path = edits_path(episode_dir, market)
    if path.is_file():
        layer = EditLayer.from_json(path.read_text(encoding="utf-8"), str(path))
        if layer.market != market or layer.episode != episode_dir.name:
            raise InputError(f"{path}: belongs to {layer.episode}/{layer.market}, not {episode_dir.name}/{market}")
        return layer
    manifest = read_manifest(episode_dir)
    track = machine_track(episode_dir, market, manifest)
    source_language = (manifest.get("source") or {}).get("language")
    return layer_from_track(track, episode_dir.name, market, source_language)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` (flock on its descriptor) while a save reads and writes."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def save_edits(layer: EditLayer, episode_dir: str | Path, expected_revision: int | None = None) -> EditLayer:
    """Write ``layer`` atomically as the next revision; the saved layer (revision + 1, suspect flags refreshed).

    Raises :class:`EditConflict` when the file on disk is at another revision than
    ``expected_revision`` (``None``: no check).
    """
    episode_dir = Path(episode_dir)
    layer.check_ids()
    for edit in layer.cues:
        edit.check(f"{layer.episode}/{layer.market}: cue {edit.id}")
    path = edits_path(episode_dir, layer.market)
    with _locked(path.parent):
        on_disk = EditLayer.from_json(path.read_text(encoding="utf-8"), str(path)).revision if path.is_file() else 0
        if expected_revision is not None and on_disk != expected_revision:
            raise EditConflict(
                f"{path}: changed since revision {expected_revision} (now at revision {on_disk}); reload and edit again"
            )
        saved = EditLayer(
            layer.episode,
            layer.market,
            layer.language,
            layer.source_language,
            on_disk + 1,
            [CueEdit(**c.to_dict()) for c in layer.cues],
        )
        refresh_suspect_flags(saved)
        write_text_atomic(path, saved.to_json())

    remember_layer(saved, episode_dir.parent)  # approved lines: the title's memory for later episodes
    return saved


@public()
def apply_edits(track: Track, layer: EditLayer) -> Track:
    """The machine ``track`` with the layer's reviewed text, timing and speakers applied (ids = cue numbers).

    A cue flagged ``source changed since review`` keeps the machine's version (its edit waits for
    a person). Raises :class:`InputError` when the layer names a cue the track does not have.
    """
    require_track(track)
    if not isinstance(layer, EditLayer):
        raise InputError(f"layer must be an EditLayer (localize.load_edits reads one), got {shown(layer)}")
    extra = [e.id for e in layer.cues if not (e.id.isdigit() and 1 <= int(e.id) <= len(track.cues))]
    if extra:
        raise InputError(
            f"{layer.episode}/{layer.market}: edit layer cue {extra[0]} is not in the track ({len(track.cues)} cues)"
        )
    result = track.replace()
    for edit in layer.cues:
        cue = result.cues[int(edit.id) - 1]
        if SOURCE_CHANGED in edit.flags:
            cue.flags = list(dict.fromkeys([*cue.flags, SOURCE_CHANGED]))
        else:
            _apply(cue, edit)
    return result.validate()


def _apply(cue: Cue, edit: CueEdit) -> None:
    if edit.text is not None and edit.text != cue.text:
        if cue.line_speakers and len(edit.text.split("\n")) != len(cue.line_speakers):
            cue.line_speakers = []
        cue.text = edit.text
        cue.words = []
    cue.start, cue.end = (
        edit.new_start if edit.new_start is not None else cue.start,
        edit.new_end if edit.new_end is not None else cue.end,
    )
    if edit.new_speaker is not None:
        cue.speaker = edit.new_speaker
        cue.line_speakers = []
    cue.flags = list(dict.fromkeys([*cue.flags, *edit.flags]))


def remember_layer(layer: EditLayer, title_dir: str | Path) -> int:
    """Put the approved cues of an edit layer into the title's
    memory; cues waiting for a person (``source changed since review``) are left out. How many."""
    if not layer.source_language:
        return 0
    pairs = [
        Approved(c.source, c.current, layer.episode, c.id, c.updated or "")
        for c in layer.cues
        if c.status == "approved" and c.source and SOURCE_CHANGED not in c.flags
    ]
    return ApprovedMemory(title_dir).store(layer.source_language, layer.market, pairs) if pairs else 0
