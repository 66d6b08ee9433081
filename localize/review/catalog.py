"""The finished runs in an output folder, as the review page sees them: episodes, markets, files.

An episode is ``OUT/<episode>/`` holding the ``manifest.json`` a finished run writes;
its markets are the manifest's. Only files of a run are served, each found by a fixed
name or the manifest's output list and resolved inside ``OUT`` (a link leading out is
refused), plus the episode's source video when it still matches the manifest's hash.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from localize.errors import InputError, LocalizeError
from localize.fileio import sha256_file
from localize.model import DEFAULT_FPS, Cue, frame_rate
from localize.paths import inside
from localize.review.delivered import read_manifest

#: the market's own videos, best first: subtitles burned in, then video + dub + soft subtitles
VIDEOS = ("burned.mp4", "muxed.mp4")
DUB = "dub.wav"
SUBTITLE_SUFFIXES = (".srt", ".vtt", ".ttml", ".ass", ".sbv", ".json")


class NotFound(InputError):
    """An episode, market, cue or file the output folder does not have."""


@dataclass(frozen=True)
class Market:
    """One episode's market as a finished run left it (read from its manifest)."""

    out_dir: Path
    episode: str
    code: str
    manifest: dict[str, Any]

    @property
    def episode_dir(self) -> Path:
        return self.out_dir / self.episode

    @property
    def entry(self) -> dict[str, Any]:
        return self.manifest["markets"][self.code]

    @property
    def language(self) -> str:
        return str(self.entry.get("language") or self.manifest["settings"]["markets"][self.code]["language"])

    @property
    def profile(self) -> str:
        return str(self.entry.get("timing_profile") or self.manifest["settings"]["markets"][self.code]["profile"])

    @property
    def shots(self) -> list[int]:
        return [int(ms) for ms in self.manifest.get("source", {}).get("shots") or []]

    @property
    def fps(self) -> Fraction:
        rate = (self.manifest.get("inputs", {}).get("media") or {}).get("fps")
        return frame_rate(rate) if rate else DEFAULT_FPS

    @property
    def glossary_layers(self) -> list[str]:
        return [str(layer["path"]) for layer in (self.entry.get("glossary") or {}).get("layers", [])]

    def outputs(self) -> list[str]:
        """The market's outputs, as paths relative to the episode folder."""
        return [str(o["path"]) for o in self.entry.get("outputs", [])]

    def subtitle_files(self) -> list[Path]:
        """The subtitle files the run delivered for this market, in the manifest's order."""
        return [self.file(Path(rel).name) for rel in self.outputs() if Path(rel).suffix in SUBTITLE_SUFFIXES]

    def file(self, name: str) -> Path:
        """The market's output ``name`` (a plain file name the manifest lists), resolved inside ``OUT``."""
        listed = {Path(rel).name: rel for rel in self.outputs()}
        if name not in listed:
            raise NotFound(f"{self.episode}/{self.code} has no output {name!r}")
        return _served(self.out_dir, self.episode_dir / listed[name])

    def has(self, name: str) -> bool:
        return name in {Path(rel).name for rel in self.outputs()}

    def video(self) -> tuple[str, Path] | None:
        """("burned" | "muxed" | "source", path) of the best video to review on, or None."""
        for name in VIDEOS:
            if self.has(name):
                return name.split(".")[0], self.file(name)
        source = source_video(self.manifest)
        return ("source", source) if source is not None else None

    def source_cues_with_flags(self) -> list[Cue]:
        """The source transcript's cues that carry flags (OCR reads of low confidence), from its JSON output."""
        from localize.formats import load

        for rel in (o["path"] for o in (self.manifest.get("source") or {}).get("outputs", [])):
            if str(rel).endswith(".json"):
                try:
                    return [cue for cue in load(_served(self.out_dir, self.episode_dir / rel)) if cue.flags]
                except LocalizeError:
                    return []
        return []

    def dub_lines(self) -> dict[str, dict[str, Any]]:
        """The dub report's lines by cue id: where each sits in ``dub.wav``, its speed and fit."""
        lines = (self.entry.get("dub") or {}).get("lines") or []
        return {
            str(line["number"]): {
                "start": int(line.get("placed_ms", line.get("cue_start", 0))),
                "end": int(line["end"]),
                "speed": float(line.get("speed", 1.0)),
                "fit": str(line.get("fit", "")),
                "text": line.get("text"),  # what the line says (older reports: absent)
            }
            for line in lines
            if "number" in line and "end" in line
        }


class Catalog:
    """The episodes with a finished run under ``out_dir``; manifests are read afresh on each look-up."""

    def __init__(self, out_dir: str | Path) -> None:
        self.out_dir = Path(out_dir).resolve()
        if not self.out_dir.is_dir():
            raise InputError(f"{out_dir}: no such folder")
        if not self.episodes():
            raise InputError(f"{out_dir}: no finished run here (no <episode>/manifest.json); run `localize run` first")

    def episodes(self) -> list[str]:
        """Episode names, sorted; an episode folder that is a link out of ``OUT`` is left out."""
        found = []
        for manifest in sorted(self.out_dir.glob("*/manifest.json")):
            name = manifest.parent.name
            if not name.startswith(".") and manifest.parent.resolve().parent == self.out_dir:
                found.append(name)
        return found

    def listing(self) -> list[dict[str, Any]]:
        """[{episode, markets}] for the page's picker."""
        return [{"episode": name, "markets": sorted(self._manifest(name)["markets"])} for name in self.episodes()]

    def market(self, episode: str, code: str) -> Market:
        """The ``code`` market of ``episode`` (:class:`NotFound` naming what exists otherwise)."""
        manifest = self._manifest(episode)
        if code not in manifest.get("markets", {}):
            known = ", ".join(sorted(manifest["markets"]))
            raise NotFound(f"episode {episode!r} has no market {code!r} (it has {known})")
        return Market(self.out_dir, episode, code, manifest)

    def _manifest(self, episode: str) -> dict[str, Any]:
        names = self.episodes()
        if episode not in names:
            raise NotFound(f"no finished episode {episode!r} in {self.out_dir} (episodes: {', '.join(names)})")
        return read_manifest(_served(self.out_dir, self.out_dir / episode / "manifest.json").parent)


def _served(out_dir: Path, path: Path) -> Path:
    """``path`` resolved, if it is a file inside ``out_dir`` (links leading out are refused)."""
    try:
        resolved = inside(out_dir, path)
    except InputError:
        raise NotFound(f"{path.name}: outside the output folder") from None
    if not resolved.is_file():
        raise NotFound(f"{path.name}: no such file")
    return resolved


def source_video(manifest: dict[str, Any]) -> Path | None:
    """The episode's source video as the manifest records it, if it is still that file (same SHA-256)."""
    media = (manifest.get("inputs") or {}).get("media") or {}
    if not media.get("has_video") or not media.get("path"):
        return None
    path = Path(media["path"])
    try:
        stat = path.stat()
    except OSError:
        return None
    if stat.st_size != media.get("bytes") or _digest(str(path), stat.st_size, stat.st_mtime_ns) != media.get("sha256"):
        return None
    return path


@functools.lru_cache(maxsize=32)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(path)
