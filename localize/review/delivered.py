"""What a finished run delivered for a market, read back from its episode folder: the manifest and the machine track."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from localize.errors import InputError
from localize.fileio import sha256_file
from localize.model import Cue, Track
from localize.paths import inside

SUBTITLE_SUFFIXES = (".json", ".srt", ".vtt", ".ttml", ".ass")


def read_manifest(episode_dir: Path) -> dict[str, Any]:
    """The episode's ``manifest.json`` as plain data (:class:`InputError` when missing or malformed)."""
    path = episode_dir / "manifest.json"
    if not path.is_file():
        raise InputError(f"{episode_dir}: no manifest.json (not an episode folder that `localize run` finished)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # unreadable, or not JSON (UnicodeDecodeError is a ValueError)
        raise InputError(f"{path}: unreadable or not JSON ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("markets"), dict):
        raise InputError(f"{path}: not a localize manifest (no 'markets')")
    return data


def delivered_subtitles(episode_dir: Path, market: str, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """The manifest's subtitle outputs of ``market`` (path relative to the episode, sha256), JSON first."""
    entry = manifest["markets"].get(market)
    if not isinstance(entry, dict):
        known = ", ".join(sorted(manifest["markets"])) or "none"
        raise InputError(f"{episode_dir.name}: no market {market!r} in this episode (markets: {known})")
    outputs = [
        o
        for o in entry.get("outputs", [])
        if Path(o.get("path", "")).suffix in SUBTITLE_SUFFIXES and Path(o["path"]).parent.as_posix() == market
    ]
    return sorted(outputs, key=lambda o: not o["path"].endswith(".json"))


def machine_track(episode_dir: Path, market: str, manifest: dict[str, Any] | None = None) -> Track:
    """The machine track the run delivered for ``market``, with source lines filled in when the file lacks them.

    Read from the first delivered subtitle file (JSON first) that is still as delivered (its
    sha256 is the manifest's): an edited file is a person's version, not the machine's.
    """
    from localize.formats import load

    manifest = manifest if manifest is not None else read_manifest(episode_dir)
    outputs = delivered_subtitles(episode_dir, market, manifest)
    if not outputs:
        raise InputError(f"{episode_dir.name}/{market}: the manifest lists no subtitle file")
    intact = next((o for o in outputs if _intact(episode_dir, o)), None)
    if intact is None:
        raise InputError(
            f"{episode_dir.name}/{market}: every delivered subtitle file was changed or removed since "
            "the run; run it again to rebuild the machine track"
        )
    track = load(inside(episode_dir, intact["path"]))
    track.language = track.language or manifest["markets"][market].get("language")
    if any(c.source is None for c in track.cues):
        _fill_sources(track, _source_track(episode_dir, manifest))
    return track


def _intact(episode_dir: Path, output: dict[str, Any]) -> bool:
    path = inside(episode_dir, output["path"])
    return path.is_file() and sha256_file(path) == output.get("sha256")


def _source_track(episode_dir: Path, manifest: dict[str, Any]) -> Track | None:
    from localize.formats import load

    outputs = (manifest.get("source") or {}).get("outputs", [])
    found = sorted(
        (o["path"] for o in outputs if Path(o.get("path", "")).suffix in SUBTITLE_SUFFIXES),
        key=lambda p: not p.endswith(".json"),
    )
    return load(inside(episode_dir, found[0])) if found else None


def _fill_sources(track: Track, source: Track | None) -> None:
    """Each cue without a source gets the source cues it overlaps most (joined), by time."""
    if source is None:
        return
    from localize.review.spans import Spans

    spans = Spans(source.cues)
    for cue in track.cues:
        if cue.source is None:
            near = [source.cues[i] for i in spans.overlapping(cue.start, cue.end)]
            lines = [s.plain_text for s in near if _overlap(cue, s) * 2 > min(s.duration, cue.duration)]
            cue.source = "\n".join(lines) or None


def _overlap(a: Cue, b: Cue) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))
