"""The source side of an episode: the source-language track (given subtitles, a transcription
of the audio, or the burned-in subtitles read by OCR) and the shot changes, each cached."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from localize.errors import InputError
from localize.model import Track
from localize.pipeline.cache import code_version, hash_value
from localize.pipeline.deliver import _cached_track, _Context, _write_subs
from localize.pipeline.keys import RunOptions
from localize.pipeline.manifest import SourceResult
from localize.pipeline.markets import MarketProfile
from localize.pipeline.records import Inputs

PATH_META = ("source", "model_path")
#: shared modules transcription runs (voice activity, Chinese script, language codes): part of its cache key
TRANSCRIPTION_SHARED = ("localize.vad", "localize.chinese", "localize.language")


def _source(
    ctx: _Context,
    inputs: Inputs,
    subs: str | Path | None,
    options: RunOptions,
    profiles: list[MarketProfile],
    edit: Callable[[Track], Track] | None = None,
) -> tuple[Track, SourceResult, dict[str, Any] | None]:
    """The source-language track: the given subtitles, or a (cached) transcription, with ``edit``
    (a person's corrections) applied; its result (without the shots) and the transcription model."""
    language, model, engine, glossaries = options.language, options.model, options.engine, options.glossaries
    speakers, source = options.speakers, options.source
    if subs is not None and inputs.source_subs is not None:
        key: dict[str, Any] = {
            "subs": inputs.source_subs.sha256,
            "language": language,
            "code": code_version("localize.formats"),
        }
        track = _cached_track(ctx, "source", key, lambda: _load_subs(Path(subs), language))
    else:
        from localize.hardsub import ocr_fingerprint
        from localize.speakers import encoder_fingerprint
        from localize.transcription import engine_fingerprint

        terms = _bias_terms(profiles, glossaries)
        key = {
            "media": inputs.media.sha256,
            "language": language,
            "model": model,
            "engine": engine,
            "terms": terms,
            "code": code_version("localize.transcription", *TRANSCRIPTION_SHARED),
            "lib": engine_fingerprint(engine, model),
        }
        if str(speakers) != "off":
            key |= {
                "speakers": str(speakers),
                "speakers_code": code_version("localize.speakers"),
                "encoder": encoder_fingerprint(),
            }
        if source != "audio":
            key |= {
                "source": source,
                "ocr": code_version("localize.hardsub", "localize.imaging"),
                "ocr_lib": ocr_fingerprint(),
            }
        title = ctx.episode_dir.parent
        track = _cached_track(
            ctx,
            "transcribe",
            key,
            lambda: _transcribe(ctx.media, language, model, engine, terms, speakers, title, source),
        )
    if ctx.info.fps:
        track = track.replace(fps=ctx.info.fps)
    if edit is not None:
        track = edit(track)
    lang = (track.language or "und").lower()
    outputs = [_write_subs(ctx, track, ctx.episode_dir / f"{ctx.episode}.{lang}.{fmt}") for fmt in ("json", "srt")]
    origin = (
        "subtitles" if subs is not None else ("hardsub" if track.meta.get("from") == "hardsub" else "transcription")
    )
    model_info: dict[str, Any] | None = {
        k: track.meta.get(k) for k in ("engine", "model", "model_sha256") if k in track.meta
    } or None
    return track, SourceResult(lang, origin, len(track), outputs), model_info


def _load_subs(path: Path, language: str) -> Track:
    from localize.formats import load
    from localize.language import detect_language

    track = load(path)
    if language != "auto":
        return track.replace(language=language)
    if track.language:
        return track
    detected = detect_language(track.text())
    if detected is None:
        raise InputError(f"{path}: cannot tell the language of these subtitles; give it with --language")
    return track.replace(language=detected)


def _transcribe(
    media: Path,
    language: str,
    model: str | None,
    engine: str,
    terms: list[str],
    speakers: str | int = "off",
    title: Path | None = None,
    source: str = "audio",
) -> Track:
    from localize.transcription import SpeakerOptions, TranscriptionOptions, transcribe

    track = transcribe(
        media,
        language,
        terms or None,
        options=TranscriptionOptions(engine, model),
        source=source,
        speakers=SpeakerOptions(speakers, title if str(speakers) != "off" else None),
    )
    # machine-specific paths stay out of outputs (the manifest records the inputs)
    return track.replace(meta={k: v for k, v in track.meta.items() if k not in PATH_META})


def _bias_terms(profiles: list[MarketProfile], glossaries: Sequence[str | Path]) -> list[str]:
    """Source terms of all glossaries, to bias recognition towards names."""
    paths = sorted({*map(str, glossaries), *(g for m in profiles for g in m.glossaries)})
    if not paths:
        return []
    from localize.translation import load_glossaries

    return sorted({t.source for t in load_glossaries(paths).terms})


def _shots(ctx: _Context, inputs: Inputs, shots: str | Path | None) -> list[int]:
    """Cut times in ms: from a cut list, detected in the video, or none for audio."""
    from localize import timing

    started = time.perf_counter()
    if shots is not None:
        cuts = list(timing.read_shots(shots))
        ctx.stage("shots", False, started)
        return cuts
    if not ctx.info.has_video:
        return []
    key = {"media": inputs.media.sha256, "code": code_version("localize.timing")}
    cuts, hit = ctx.cache.read_json("shots", hash_value(key), lambda: list(timing.detect_shots(ctx.media, cache=False)))
    ctx.stage("shots", hit, started)
    return cuts
