"""A batch's episodes: found in folders (with their sidecar subtitles), and what each run came to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localize.errors import InputError

MEDIA_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".m4v", ".avi", ".wav", ".mp3", ".m4a", ".flac", ".ogg"}
SUBTITLE_SUFFIXES = (".srt", ".vtt", ".ass", ".ttml", ".json")
ENDPOINT_FAILURES = 3  # episodes in a row failed by the LLM endpoint before the rest are skipped
SKIPPED = "skipped (the LLM endpoint is down)"


@dataclass(frozen=True)
class Episode:
    """One batch item: its name (the output folder) and its files."""

    name: str
    media: str
    source_subs: str | None = None


@dataclass
class EpisodeResult:
    episode: str
    ok: bool
    seconds: float
    error: str | None = None
    cached: bool = False
    markets: list[str] = field(default_factory=list)
    endpoint_failed: bool = False  # the LLM endpoint failed it (it counts towards skipping the rest)
    edited: str = ""  # "; en-US: 2 line(s) from edits" for each market delivered from edits


@dataclass
class BatchResult:
    results: list[EpisodeResult]
    seconds: float
    title: dict[str, Any]

    @property
    def failed(self) -> list[EpisodeResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ok(self) -> bool:
        return not self.failed

    def table(self) -> str:
        """The summary table the CLI prints."""
        width = max([len("episode"), *(len(r.episode) for r in self.results)])
        lines = [f"{'episode':<{width}}  status   seconds  detail", "-" * (width + 40)]
        for r in self.results:
            status = "ok" if r.ok else "FAILED"
            detail = r.error or ("cached" if r.cached else ", ".join(r.markets)) + r.edited
            lines.append(f"{r.episode:<{width}}  {status:<7} {r.seconds:8.1f}  {detail}")
        done = len(self.results) - len(self.failed)
        lines.append(f"{done}/{len(self.results)} episodes ok, {len(self.failed)} failed, {self.seconds:.1f} s")
        skipped = sum(r.error == SKIPPED for r in self.results)
        if skipped:
            lines.append(
                f"LLM endpoint: it failed {ENDPOINT_FAILURES} episodes in a row, so {skipped} episode(s) "
                "were not started; run the batch again once it answers (finished work is kept)"
            )
        issues = self.title.get("glossary_consistency", {}).get("inconsistent", [])
        if issues:
            lines.append(f"glossary: {len(issues)} term(s) rendered inconsistently across episodes (see title.json)")
        return "\n".join(lines)


def find_episodes(
    inputs: Iterable[str | Path], sidecar_subs: bool = False, exclude: str | Path | None = None
) -> list[Episode]:
    """Episodes from files and folders (searched recursively for media), named uniquely.

    The name is the file stem; when stems repeat (``ep1/episode.mp4``, ``ep2/episode.mp4``)
    the parent folders are prefixed until they differ. With ``sidecar_subs`` a subtitle
    file beside the media with the same stem (``ep01.srt``, ``ep01.zh.srt``) is the source.
    Media under ``exclude`` (the batch's own output folder, when it lies inside an input
    folder) is never taken for an episode.
    """
    skip = Path(exclude).resolve() if exclude is not None else None
    files: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found = sorted(
                p
                for p in item.rglob("*")
                if p.suffix.lower() in MEDIA_SUFFIXES and p.is_file() and not (skip and skip in p.resolve().parents)
            )
            if not found:
                raise InputError(f"{item}: no media files in this folder")
            files += found
        elif item.exists():
            files.append(item)
        else:
            raise InputError(f"{item}: no such file or folder")
    names = _unique_names(files)
    return [Episode(n, str(f), _sidecar(f) if sidecar_subs else None) for n, f in zip(names, files)]


def _unique_names(files: list[Path]) -> list[str]:
    """File stems; stems that repeat get as many parent folder names as it takes to tell them apart."""
    names = [f.stem for f in files]
    for depth in range(1, 9):
        clashes = {n for n in names if names.count(n) > 1}
        if not clashes:
            return names
        names = [_name(f, depth) if n in clashes else n for f, n in zip(files, names)]
    twice = next(f for f, n in zip(files, names) if names.count(n) > 1)
    raise InputError(f"{twice}: episode given twice")


def _name(path: Path, depth: int) -> str:
    parents = path.resolve().parent.parts[1:]
    return "-".join([*parents[len(parents) - depth :], path.stem])


def _sidecar(media: Path) -> str | None:
    for candidate in sorted(media.parent.glob(f"{media.stem}*")):
        if candidate.suffix.lower() in SUBTITLE_SUFFIXES and candidate.stem.split(".")[0] == media.stem:
            return str(candidate)
    return None
