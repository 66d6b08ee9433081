"""Delivery bookkeeping: the episode's run context, stage results through the cache, and
every file written into the episode folder (subtitles, dub, mux, burned-in video) recorded
as an :class:`~localize.pipeline.manifest.OutputFile` (path, sha256, bytes).

The dub and burn stages build into the stage cache (:mod:`localize.pipeline.cache`) and
their files are copied into the market folder atomically; an input is never overwritten.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localize.fileio import atomic_path, refuse_overwrite, sha256_file
from localize.media import MediaInfo
from localize.model import Track
from localize.pipeline.cache import StageCache, canonical, code_version, hash_value
from localize.pipeline.manifest import StageRun
from localize.pipeline.markets import MarketProfile
from localize.pipeline.records import OutputFile

Log = Callable[[str], None]


@dataclass
class _Context:
    """What every stage of one episode run needs."""

    media: Path
    info: MediaInfo
    episode_dir: Path
    episode: str
    cache: StageCache
    log: Log
    media_sha256: str
    inputs: list[Path] = field(default_factory=list)
    synopsis: str = ""  # the llm engine's context file, read once
    edits: Any = None  # the episode's edit layers (localize.pipeline.edits.EpisodeEdits)
    stages: dict[str, StageRun] = field(default_factory=dict)

    def stage(self, name: str, hit: bool, started: float) -> None:
        self.stages[name] = StageRun(round(time.perf_counter() - started, 3), hit)
        self.log(f"{self.episode}: {name} {'(cached)' if hit else 'done'} in {self.stages[name].seconds:.1f} s")


def _cached_track(ctx: _Context, stage: str, key: dict[str, Any], build: Callable[[], Track]) -> Track:
    started = time.perf_counter()
    data, hit = ctx.cache.read_json(stage, hash_value(key), lambda: build().to_dict())
    ctx.stage(stage, hit, started)
    return Track.from_dict(data)


def _write_subs(ctx: _Context, track: Track, target: Path) -> OutputFile:
    from localize.formats import save

    refuse_overwrite([target], ctx.inputs)
    save(track, target)  # atomic
    return _output_entry(ctx, target)


def _output_entry(ctx: _Context, path: Path) -> OutputFile:
    return OutputFile(path.relative_to(ctx.episode_dir).as_posix(), sha256_file(path), path.stat().st_size)


def _cast(ctx: _Context, market: MarketProfile, timed: Track) -> dict[str, Any]:
    """The voices the title's speakers get in this market and their fingerprints (part of the dub's cache key)."""
    from localize.dubbing import cast_speakers, default_voice, voice_fingerprint

    cast = cast_speakers(timed.cues, timed.language, market.voice, market.voices, ctx.episode_dir.parent, market.code)
    specs = sorted({*cast.voices.values(), market.voice or default_voice(timed.language)})
    return {
        "voices": cast.voices,
        "names": cast.names,
        "aliases": cast.aliases,
        "tts": [voice_fingerprint(spec) for spec in specs],
    }


def _dub(
    ctx: _Context, market: MarketProfile, timed: Track, folder: Path, cuts: list[int], source_language: str | None
) -> tuple[dict[str, Any], list[OutputFile]]:
    """Dub (and mux) into the cache, then copy the files into the market folder."""
    mux = market.mux and ctx.info.has_video
    key = {
        "track": hash_value(timed.to_dict()),
        "media": ctx.media_sha256,
        "voice": market.voice,
        "voices": market.voices,
        "loudness": market.loudness,
        "true_peak": market.true_peak,
        "max_speed": market.max_speed,
        "mux": mux,
        "mux_subtitles": market.mux_subtitles,
        "shots": cuts,
        "original_language": source_language,
        "cast": _cast(ctx, market, timed),
        "code": [
            code_version("localize.dubbing", "localize.delivery.muxing", "localize.language"),
            code_version("localize.formats"),
        ],
    }

    def build(entry: Path) -> None:
        from localize.dubbing import MuxOptions, dub
        from localize.formats import save

        subtitles = []
        for fmt in market.mux_subtitles if mux else ():
            subtitles.append((save(timed, entry / f"subtitles.{fmt}"), market.language))
        report = dub(
            timed,
            entry / "dub.wav",
            video=ctx.media if ctx.info.has_video else None,
            voice=market.voice_options(ctx.episode_dir.parent),
            mix=market.mix_options(),
            mux=MuxOptions(entry / "muxed.mp4", subtitles, source_language) if mux else None,
            shots=cuts,
            line_cache=ctx.cache.root / "dub-lines",
        )  # a re-dub synthesizes only changed lines
        # temp paths, and what the line cache held (run-specific: the manifest stays reproducible)
        data = {k: v for k, v in report.to_dict().items() if k not in ("output", "mux", "cache")}
        if report.cache:
            ctx.log(f"{ctx.episode}: dub-{market.code} lines: {report.cache}")
        (entry / "report.json").write_bytes(canonical({**data, "voice": market.voice}))

    started = time.perf_counter()
    entry, hit = ctx.cache.compute(f"dub-{market.code}", hash_value(key), build)
    ctx.stage(f"dub-{market.code}", hit, started)
    outputs = []
    for name in ("dub.wav", "muxed.mp4"):
        if (entry / name).is_file():
            refuse_overwrite([folder / name], ctx.inputs)
            with atomic_path(folder / name) as tmp:
                shutil.copyfile(entry / name, tmp)
            outputs.append(_output_entry(ctx, folder / name))
    return json.loads((entry / "report.json").read_text(encoding="utf-8")), outputs


def _burn(
    ctx: _Context, market: MarketProfile, timed: Track, folder: Path, dubbed: bool
) -> tuple[dict[str, Any], OutputFile]:
    """The market's subtitles burned into the video (over the dub when there is one), via the cache."""
    key = {
        "track": hash_value(timed.to_dict()),
        "media": ctx.media_sha256,
        "cover": market.burn_cover,
        "style": market.burn_style,
        "dub": dubbed and (folder / "dub.wav").is_file(),
        "code": [
            code_version("localize.delivery", "localize.imaging"),
            code_version("localize.hardsub"),
            code_version("localize.formats"),
        ],
    }
    dub_wav = folder / "dub.wav" if key["dub"] else None
    previous = folder / "burned.mp4"

    def build(entry: Path) -> None:
        from localize.delivery import rerender_burn

        # after a correction only the keyframe intervals its cues touch are encoded again
        result = rerender_burn(
            ctx.media,
            timed,
            entry / "burned.mp4",
            ctx.cache.root / "burn-state",
            previous=previous if previous.is_file() else None,
            cover=market.burn_cover,
            style=market.burn_style,
            audio=dub_wav,
        )
        ctx.log(f"{ctx.episode}: burn-{market.code} {result.mode}" + (f" ({result.reason})" if result.reason else ""))
        data = {k: v for k, v in result.report.to_dict().items() if k != "output"}  # a temp path
        (entry / "report.json").write_bytes(canonical(data))

    started = time.perf_counter()
    entry, hit = ctx.cache.compute(f"burn-{market.code}", hash_value(key), build)
    ctx.stage(f"burn-{market.code}", hit, started)
    refuse_overwrite([folder / "burned.mp4"], ctx.inputs)
    with atomic_path(folder / "burned.mp4") as tmp:
        shutil.copyfile(entry / "burned.mp4", tmp)
    return json.loads((entry / "report.json").read_text(encoding="utf-8")), _output_entry(ctx, folder / "burned.mp4")
