"""Human corrections in a run: taken before anything is rewritten, delivered in every output.

Before a run rewrites an episode folder, :func:`take_edits` reads back what a person
changed: every delivered subtitle file whose sha256 is no longer the previous manifest's
(the market's formats, and the source transcript ``<episode>.<src>.srt|json``) is matched
to the track that was delivered (:mod:`localize.review.match`) and merged into the
market's edit layer (``<market>/edits.json``; the source's is ``edits.source.json``),
saved atomically. All files are read and checked first: two formats of one market
changed differently are one error and nothing is saved. With ``discard`` the edited files
and the edit layers are moved into ``OUT/.edits-backup/<UTC time>/<episode>/`` instead.

The run then puts the layers onto the new machine tracks (:func:`edited_track`): an edit
whose source line changed since it was made is kept and flagged, not applied. Approved
lines go into the title's approved memory (:mod:`localize.translation.approved`).
"""

from __future__ import annotations

import itertools
import json
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localize.errors import InputError
from localize.fileio import sha256_file, write_text_atomic
from localize.model import Track
from localize.paths import inside
from localize.pipeline.cache import StageCache

EDITS_MODES = ("keep", "discard")
BACKUP_DIR = ".edits-backup"
SOURCE_EDITS = "edits.source.json"
SOURCE = "source"  # the source transcript's layer name
DELIVERED = "delivered"  # cache stage: each delivered track, by the sha256 of its first subtitle file
Log = Callable[[str], None]


@dataclass
class EpisodeEdits:
    """The edit layers of one episode as the run found them (market code -> layer; the source's)."""

    episode_dir: Path
    layers: dict[str, Any] = field(default_factory=dict)
    source: Any = None

    def digest(self) -> dict[str, Any] | None:
        """What the edits change (for the episode key); None without any layer, so keys stay as they were."""
        named = {**self.layers, **({SOURCE: self.source} if self.source is not None else {})}
        if not named:
            return None
        return {
            name: [_reviewed(c) for c in layer.cues if c.edited or c.status != "machine"]
            for name, layer in sorted(named.items())
        }


def _reviewed(edit: Any) -> list[Any]:
    return [edit.id, edit.text, edit.new_start, edit.new_end, edit.new_speaker, edit.status]


def take_edits(episode_dir: Path, markets: Sequence[str], mode: str, cache: StageCache, log: Log) -> EpisodeEdits:
    """Read back the edited delivered files of ``markets`` and the source into the edit layers
    (``keep``) or move them and the layers aside (``discard``); the layers the run applies."""
    if mode not in EDITS_MODES:
        raise InputError(f"edits must be one of {', '.join(EDITS_MODES)}, got {mode!r}")
    manifest = _previous(episode_dir)
    if mode == "discard":
        _discard(episode_dir, markets, manifest, log)
        return EpisodeEdits(episode_dir)
    if manifest is not None:
        _keep(episode_dir, markets, manifest, cache, log)
    found = load_layers(episode_dir, markets)
    from localize.review.edits import remember_layer

    for layer in found.layers.values():  # approvals written by other tools reach the title's memory too
        remember_layer(layer, episode_dir.parent)
    return found


def load_layers(episode_dir: Path, markets: Sequence[str]) -> EpisodeEdits:
    """The saved edit layers of ``markets`` and of the source (none saved: none)."""
    from localize.review.edits import EditLayer, edits_path

    found = EpisodeEdits(episode_dir)
    for market in markets:
        path = edits_path(episode_dir, market)
        if path.is_file():
            found.layers[market] = EditLayer.from_json(path.read_text(encoding="utf-8"), str(path))
    source = episode_dir / SOURCE_EDITS
    if source.is_file():
        found.source = EditLayer.from_json(source.read_text(encoding="utf-8"), str(source))
    return found


def _previous(episode_dir: Path) -> dict[str, Any] | None:
    from localize.review.delivered import read_manifest

    try:
        return read_manifest(episode_dir)
    except InputError:
        return None


def _changed(episode_dir: Path, outputs: list[dict[str, Any]]) -> list[Path]:
    """The delivered files that are still there but no longer as delivered."""
    paths = [inside(episode_dir, o["path"]) for o in outputs]
    return [p for p, o in zip(paths, outputs) if p.is_file() and sha256_file(p) != o.get("sha256")]


def _subtitle_outputs(manifest: dict[str, Any], name: str) -> list[dict[str, Any]]:
    from localize.review.delivered import SUBTITLE_SUFFIXES

    entry = manifest.get("source") if name == SOURCE else manifest["markets"].get(name)
    outputs = (entry or {}).get("outputs") or []
    return sorted(
        (o for o in outputs if Path(o.get("path", "")).suffix in SUBTITLE_SUFFIXES),
        key=lambda o: not o["path"].endswith(".json"),
    )


def _keep(episode_dir: Path, markets: Sequence[str], manifest: dict[str, Any], cache: StageCache, log: Log) -> None:
    """Every changed file read and checked first, then each layer saved (nothing half-taken)."""
    from localize.review.match import edits_from_delivered, merge_reports

    updates = []
    # markets of the last run that this one leaves out too: the next manifest will not list their files
    for name in dict.fromkeys([SOURCE, *markets, *manifest["markets"]]):
        outputs = _subtitle_outputs(manifest, name)
        if not _changed(episode_dir, outputs):
            continue
        delivered = _delivered_track(episode_dir, name, outputs, cache)
        reports = [r for o in outputs if (r := edits_from_delivered(episode_dir, o, delivered)) is not None]
        try:
            changes = merge_reports(reports)  # two files changing one cue differently: refused, naming both
        except InputError as error:
            raise InputError(f"{episode_dir.name}: {error}") from None
        for note in (n for r in reports for n in r.notes):
            log(f"{episode_dir.name}: {note}")
        updates.append((name, delivered, changes, ", ".join(r.file for r in reports)))
    source_language = (manifest.get("source") or {}).get("language")
    for name, delivered, changes, files in updates:
        layer = _saved_or_fresh(episode_dir, name, delivered, source_language)
        from localize.review.match import apply_changes

        save_layer(apply_changes(layer, changes, f"edited {files}"), episode_dir)
        log(f"{episode_dir.name}: {len(changes)} line(s) taken from {files}")


def _delivered_track(episode_dir: Path, name: str, outputs: list[dict[str, Any]], cache: StageCache) -> Track:
    """The track the run delivered: from the stage cache (with its source lines and speakers), else
    from a file still as delivered."""
    from localize.formats import load

    for output in outputs:
        entry = cache.get(DELIVERED, output.get("sha256", ""))
        if entry is not None:
            return Track.from_dict(json.loads((entry / "result.json").read_text(encoding="utf-8")))
    for output in outputs:
        path = inside(episode_dir, output["path"])
        if path.is_file() and sha256_file(path) == output.get("sha256"):
            track = load(path)
            if name != SOURCE and any(c.source is None for c in track.cues):
                from localize.review.delivered import machine_track

                return machine_track(episode_dir, name)  # source lines filled in from the transcript
            return track
    raise InputError(
        f"{episode_dir.name}/{name}: every delivered subtitle file was edited and the delivered track "
        "is not in the cache; keep one file as delivered (or run with --edits discard)"
    )


def remember_delivered(cache: StageCache, outputs: Sequence[Any], track: Track) -> None:
    """Keep the delivered ``track`` in the cache under its first subtitle file's sha256 (for when a
    person edits every delivered format)."""
    if outputs:
        cache.read_json(DELIVERED, outputs[0].sha256, track.to_dict)


def _saved_or_fresh(episode_dir: Path, name: str, delivered: Track, source_language: str | None) -> Any:
    from localize.review.edits import EditLayer, edits_path, layer_from_track

    path = episode_dir / SOURCE_EDITS if name == SOURCE else edits_path(episode_dir, name)
    if path.is_file():
        return EditLayer.from_json(path.read_text(encoding="utf-8"), str(path))
    return layer_from_track(delivered, episode_dir.name, name, source_language)


def save_layer(layer: Any, episode_dir: Path) -> Any:
    """Save a market's layer (:func:`localize.review.save_edits`) or the source's (atomically); approved
    lines go into the title's memory."""
    from localize.review.edits import EditLayer, save_edits

    if layer.market != SOURCE:
        return save_edits(layer, episode_dir)
    path = episode_dir / SOURCE_EDITS
    revision = EditLayer.from_json(path.read_text(encoding="utf-8"), str(path)).revision if path.is_file() else 0
    saved = EditLayer(layer.episode, SOURCE, layer.language, layer.source_language, revision + 1, layer.cues)
    write_text_atomic(path, saved.to_json())
    return saved


def edited_track(episode_dir: Path, layer: Any, machine: Track) -> tuple[Track, int, list[str]]:
    """``machine`` with ``layer`` applied (carried onto it first, saved when that changed it); the
    number of cues taken from edits and one line per edit not carried over."""
    from localize.review.edits import SOURCE_CHANGED, apply_edits
    from localize.review.rebase import rebase_edits

    carried, notes = rebase_edits(layer, machine)
    if [c.to_dict() for c in carried.cues] != [c.to_dict() for c in layer.cues]:
        carried = save_layer(carried, episode_dir)
    taken = sum(1 for c in carried.cues if c.edited and SOURCE_CHANGED not in c.flags)
    return apply_edits(machine, carried), taken, notes


def _discard(episode_dir: Path, markets: Sequence[str], manifest: dict[str, Any] | None, log: Log) -> None:
    """Move the edited delivered files and the edit layers into ``OUT/.edits-backup/<UTC time>/<episode>/``."""
    from localize.review.edits import edits_path

    files = [episode_dir / SOURCE_EDITS, *(edits_path(episode_dir, m) for m in markets)]
    for name in [SOURCE, *markets]:
        files += _changed(episode_dir, _subtitle_outputs(manifest, name)) if manifest is not None else []
    files = [f for f in files if f.is_file()]
    if not files:
        return
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    backup = episode_dir.parent / BACKUP_DIR / stamp / episode_dir.name
    for n in itertools.count(2):  # a second discard within the same second gets its own folder
        if not backup.exists():
            break
        backup = episode_dir.parent / BACKUP_DIR / f"{stamp}-{n}" / episode_dir.name
    for file in files:
        target = backup / file.relative_to(episode_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(file, target)
    log(f"{episode_dir.name}: edits discarded; {len(files)} file(s) moved to {backup}")


def edits_key(edits: EpisodeEdits, markets: Sequence[str]) -> dict[str, Any] | None:
    """The part of the episode key that edits make: the layers and the title's approved memory of
    other episodes (None when there is neither: the key of a run without edits is unchanged)."""
    from localize.translation.approved import ApprovedMemory

    memory = ApprovedMemory(edits.episode_dir.parent)
    approved = {m: d for m in markets if (d := memory.digest(m, edits.episode_dir.name)) is not None}
    key = {name: value for name, value in (("layers", edits.digest()), ("approved", approved)) if value}
    return key or None


def with_approved(track: Track, known: dict[str, Any]) -> tuple[Track, int]:
    """``track`` with the approved target of each cue whose source line the title's memory holds;
    how many cues took one."""
    from localize.translation.approved import normalized

    if not known:
        return track, 0
    result, taken = track.replace(), 0
    for cue in result.cues:
        pair = known.get(normalized(cue.source or ""))
        if pair is not None:
            taken += 1
            if cue.text != pair.target:
                cue.text, cue.words, cue.line_speakers = pair.target, [], []
    return result, taken
