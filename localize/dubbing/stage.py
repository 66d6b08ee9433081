"""The dub stage: synthesize each cue, fit it to its slot, mix, normalize, write."""

from __future__ import annotations

import contextlib
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from math import gcd
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import resample_poly

from localize import delivery
from localize.dubbing import fit as fitting
from localize.dubbing import mix as mixing
from localize.dubbing import output as out
from localize.dubbing import remix
from localize.dubbing.cast import cast_speakers
from localize.dubbing.linecache import LineCache
from localize.dubbing.options import MixOptions, MuxOptions, VoiceOptions
from localize.dubbing.reports import DubReport, LineReport
from localize.dubbing.voices import Voice, default_voice, resolve_voice
from localize.errors import InputError, ModelError, OptionError
from localize.fileio import atomic_path, refuse_overwrite
from localize.formats import load, save
from localize.language import detect_language
from localize.media import MediaInfo, load_audio, probe
from localize.model import Cue, Track, format_ms, require_track
from localize.validate import (
    PATH_TYPES,
    as_folder,
    as_optional_path,
    as_optional_text,
    as_options,
    as_path,
    as_times,
    public,
)

SR = mixing.SAMPLE_RATE
BED_TOLERANCE_MS = 40  # a bed may be this much shorter than the video (codec framing); padded with silence
NETFLIX_DIALOGUE_TARGET = -27.0
NO_VIDEO_END = 10**9
Progress = Callable[[int, int], None]


@public(voice=VoiceOptions, mix=MixOptions, mux=MuxOptions)
def dub(
    track: Track,
    output: str | Path,
    video: str | Path | None = None,
    *,
    voice: VoiceOptions | str | None = None,
    mix: MixOptions | None = None,
    mux: MuxOptions | str | Path | None = None,
    bed: str | Path | None = None,
    shots: Sequence[int] = (),
    progress: Progress | None = None,
    line_cache: str | Path | None = None,
) -> DubReport:
    """Dub ``track`` into ``output`` (.wav/.flac/.m4a), optionally muxed into a video (``mux``).

    Every input is checked before any synthesis, and nothing is written unless all of it
    succeeds. ``voice``: who speaks with which voice (:class:`VoiceOptions`; a voice spec
    such as ``"espeak:en"`` for short); ``mix``: line fitting and loudness
    (:class:`MixOptions`); ``mux``: the .mp4/.mkv to write with the dub (a path, or
    :class:`MuxOptions` for more subtitle tracks and the original audio's language);
    ``bed``: a music-and-effects bed mixed instead of the original audio; ``shots``: cut
    times (ms) bounding each line's window. ``line_cache``: a folder of synthesized lines and the
    last mix (:mod:`localize.dubbing.linecache`, :mod:`localize.dubbing.remix`), so a re-dub
    synthesizes only changed lines and leaves the other lines' samples as they were.
    """
    require_track(track)
    output, cast_options, mix = as_path(output, "output"), _voice_options(voice), as_options(mix, MixOptions, "mix")
    video, bed, shots = as_optional_path(video, "video"), as_optional_path(bed, "bed"), as_times(shots, "shots")
    line_cache = None if line_cache is None else as_folder(line_cache, "line_cache", error=OptionError)
    muxing = _mux_options(mux)
    mux_path = Path(muxing.output) if muxing else None
    subtitles = muxing.subtitles if muxing else ()
    refuse_overwrite([output, mux_path], [video, bed, *(path for path, _ in subtitles)])
    out.check_audio_output(output)
    fitting.check_speeds(mix.comfortable_speed, mix.max_speed)
    _check_levels(mix.loudness, mix.true_peak)
    numbered = speakable_cues(track)
    cues = [cue for _, cue in numbered]
    media = _check_video(video, mux_path)
    end = media.duration if media else None
    _check_cue_times(numbered, end, video)
    bed_path = _check_bed(bed, end)
    subtitle_paths = [(_check_subtitles(Path(path)), lang) for path, lang in subtitles]
    language = track.language or detect_language(" ".join(cue.text for cue in cues)) or "en"
    cast = cast_speakers(
        cues,
        language,
        cast_options.voice,
        dict(cast_options.voices),
        cast_options.title,
        cast_options.market,
        cast_options.auto_voices,
    )
    fallback = cast_options.voice or default_voice(language)
    line_voices = [resolve_voice(cast.voice_for(cue.speaker, fallback)) for cue in cues]

    cache = LineCache(line_cache, SR)
    lines, reports = _fit_lines(numbered, line_voices, end, shots, mix, progress, cache)
    for report in reports:
        report.speaker_name = cast.name_for(report.speaker)
    length = round((end if end is not None else max(r.end for r in reports)) * SR / 1000)
    regions = [(start, start + len(audio)) for start, audio in lines]
    mixed = mixing.place(lines, length) + _background(media, bed_path, regions, length)
    gated = (mix.loudness == NETFLIX_DIALOGUE_TARGET) if mix.dialogue_gated is None else mix.dialogue_gated
    gate = regions if gated else None
    memory = (
        remix.MixMemory(line_cache, _mix_identity(media, bed_path, length, mix, gated, language))
        if line_cache is not None
        else None
    )
    mixed, measured, how = remix.normalize(mixed, lines, regions, mix.loudness, mix.true_peak, gate, memory)
    with atomic_path(output) as audio_tmp:
        measured = _write(audio_tmp, output.suffix, mixed, measured, mix.true_peak, gate)
        if mux_path is not None and video is not None:
            original = muxing.original_language if muxing and muxing.original_language else track.source_language
            with atomic_path(mux_path) as mux_tmp, _muxable(subtitle_paths) as muxable:
                delivery.mux(Path(video), audio_tmp, mux_tmp, language, original, muxable, mux_path)

    unused = sorted(set(cast_options.voices) - {cue.speaker for cue in cues})
    return DubReport(
        output=str(output),
        lines=reports,
        duration_ms=round(length * 1000 / SR),
        sample_rate=SR,
        loudness_lufs=measured.integrated,
        program_loudness_lufs=measured.program,
        true_peak_dbtp=measured.true_peak,
        target_lufs=mix.loudness,
        target_true_peak_dbtp=mix.true_peak,
        gating="dialogue" if gated else "program",
        stretcher=fitting.stretcher(),
        mux=str(muxing.output) if muxing else None,
        warnings=_warnings(reports, end)
        + [f"no cue has speaker {name!r} (from voices)" for name in unused]
        + cast.warnings,
        cast={s: v for s, v in cast.voices.items() if s in {cue.speaker for cue in cues}},
        cache={**cache.stats(), "mix": how} if line_cache is not None else {},
    )


def _mux_options(mux: MuxOptions | str | Path | None) -> MuxOptions | None:
    """``mux`` as options: a path stands for ``MuxOptions(path)``."""
    if isinstance(mux, PATH_TYPES):
        return MuxOptions(mux)
    return None if mux is None else as_options(mux, MuxOptions, "mux")


def load_subtitles(path: str | Path, language: str | None = None) -> Track:
    """The subtitles to dub, in ``language``, else the file's, else detected (else English)."""
    track = load(path)
    return track.replace(language=language or track.language or detect_language(track.text()) or "en")


def _voice_options(voice: VoiceOptions | str | None) -> VoiceOptions:
    """``voice`` as options: a voice spec (or None) stands for ``VoiceOptions(voice=...)``."""
    if isinstance(voice, VoiceOptions):
        return voice
    return VoiceOptions(voice=as_optional_text(voice, "voice", error=OptionError))


def _write(
    path: Path,
    suffix: str,
    audio: np.ndarray,
    measured: mixing.Loudness,
    ceiling: float,
    regions: list[mixing.Region] | None,
) -> mixing.Loudness:
    """Write the mix; a lossy (AAC) file is measured as decoded and, if coding pushed its true
    peak past the ceiling, written once more that much quieter."""
    out.write_audio(path, audio, SR, suffix)
    if suffix.lower() not in out.LOSSY:
        return measured
    decoded = mixing.fit_length(load_audio(path, SR), len(audio))
    overshoot = mixing.true_peak(decoded) - ceiling
    if overshoot > 0:
        audio = (audio * 10 ** (-(overshoot + 0.1) / 20)).astype(np.float32)
        out.write_audio(path, audio, SR, suffix)
        decoded = mixing.fit_length(load_audio(path, SR), len(audio))
    return mixing.measure(decoded, SR, regions)


def speakable_cues(track: Track) -> list[tuple[int, Cue]]:
    """(cue number, cue) in time order, markup removed, skipping cues with nothing to say (music notes).

    A dialogue event (two speakers in one cue) becomes one line per speaker, its time
    shared in proportion to their text, the dialogue dashes dropped.
    """
    cues = []
    for number, cue in sorted(enumerate(track.cues, 1), key=lambda item: (item[1].start, item[1].end)):
        for part in _speaker_parts(cue):
            text = re.sub(r"<[^>]*>|\{[^}]*\}", "", part.plain_text).strip()
            if any(ch.isalnum() for ch in text):
                cues.append((number, Cue(part.start, part.end, text, part.source, part.speaker)))
    if not cues:
        raise InputError("the subtitles have no text to dub")
    return cues


def _speaker_parts(cue: Cue) -> list[Cue]:
    if not cue.line_speakers or len(cue.line_speakers) != len(cue.lines):
        return [cue]
    texts = [line.lstrip("-‐‑–—－ ").strip() for line in cue.lines]
    weights = [max(len(t), 1) for t in texts]
    edges = [cue.start + (cue.end - cue.start) * sum(weights[:i]) // sum(weights) for i in range(len(texts) + 1)]
    return [
        Cue(a, max(b, a + 1), t, cue.source, who) for a, b, t, who in zip(edges, edges[1:], texts, cue.line_speakers)
    ]


def _fit_lines(
    numbered: Sequence[tuple[int, Cue]],
    cast: Sequence[Voice],
    end: int | None,
    shots: Sequence[int],
    mix: MixOptions,
    progress: Progress | None,
    cache: LineCache,
) -> tuple[list[tuple[int, np.ndarray]], list[LineReport]]:
    lines, reports = [], []
    cues = [cue for _, cue in numbered]
    slots = fitting.slots(cues, end or NO_VIDEO_END, shots)
    for done, ((number, cue), slot, voice) in enumerate(zip(numbered, slots, cast), 1):
        key, audio = cache.line(voice, cue.text, synthesize)
        natural = round(len(audio) * 1000 / SR)
        plan = fitting.plan(natural, slot, mix.comfortable_speed, mix.max_speed)
        audio = cache.fitted(key, audio, plan.speed, fitting.stretcher(), _stretched)
        start = round(cue.start * SR / 1000)
        lines.append((start, audio))
        reports.append(
            LineReport(
                number=number,
                text=cue.text,
                speaker=cue.speaker,
                voice=voice.spec,
                cue_start=cue.start,
                placed_ms=cue.start,
                end=cue.start + round(len(audio) * 1000 / SR),
                natural_ms=natural,
                window_ms=slot.window,
                speed=plan.speed,
                borrowed_ms=plan.borrowed,
                overflow_ms=plan.overflow,
                fit=plan.category,
            )
        )
        if progress:
            progress(done, len(cues))
    return lines, reports


def _stretched(audio: np.ndarray, speed: float) -> np.ndarray:
    return fitting.trim_silence(fitting.stretch(audio, SR, speed), SR)


def _mix_identity(
    media: MediaInfo | None, bed: Path | None, length: int, mix: MixOptions, gated: bool, language: str
) -> dict[str, Any]:
    """What the background and the normalization of a mix depend on (besides its lines)."""
    files = [(str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns) for p in (media and media.path, bed) if p]
    return {
        "files": files,
        "length": length,
        "loudness": mix.loudness,
        "true_peak": mix.true_peak,
        "gated": gated,
        "language": language,
        "bed": bed is not None,
    }


def synthesize(voice: Voice, text: str) -> np.ndarray:
    """One line at the mix rate with leading and trailing silence trimmed."""
    audio, rate = voice.synthesize(text)
    if rate != SR:
        common = gcd(SR, rate)
        audio = resample_poly(audio, SR // common, rate // common).astype(np.float32)
    audio = fitting.trim_silence(audio, SR)
    if len(audio) == 0:
        raise ModelError(f"voice {voice.spec} produced no speech for {text!r}")
    return audio


def _background(media: MediaInfo | None, bed: Path | None, regions: list[mixing.Region], length: int) -> np.ndarray:
    """The M&E bed as is, else the original audio ducked under the dub, else silence."""
    if bed is not None:
        return mixing.fit_length(load_audio(bed, SR), length)
    if media is not None and media.has_audio:
        return mixing.fit_length(load_audio(media.path, SR), length) * mixing.duck_gain(regions, length, SR)
    return np.zeros(length, dtype=np.float32)


def _check_levels(loudness: float, true_peak: float) -> None:
    if not -70.0 <= loudness <= -5.0:
        raise OptionError(f"loudness target {loudness} LUFS is out of range (-70 to -5; e.g. -16, -23, -27)")
    if not -20.0 <= true_peak <= 0.0:
        raise OptionError(f"true-peak ceiling {true_peak} dBTP is out of range (-20 to 0; e.g. -1, -2)")


def _check_video(video: str | Path | None, mux: str | Path | None) -> MediaInfo | None:
    if mux is not None:
        delivery.check_mux_output(Path(mux))
        if video is None:
            raise OptionError("muxing needs the video (--video)")
    if video is None:
        return None
    media = probe(video)
    if mux is not None and not media.has_video:
        raise InputError(f"{video}: has no video stream to mux")
    return media


def _check_cue_times(numbered: Sequence[tuple[int, Cue]], end: int | None, video: str | Path | None) -> None:
    for number, cue in numbered:
        if cue.start < 0:
            raise InputError(f"cue {number}: negative start time")
        if end is not None and cue.start >= end:
            raise InputError(
                f"the subtitles run past the video: cue {number} starts at {format_ms(cue.start)}, "
                f"{video} ends at {format_ms(end)}"
            )


def _check_bed(bed: str | Path | None, end: int | None) -> Path | None:
    if bed is None:
        return None
    info = probe(bed)
    if not info.has_audio:
        raise InputError(f"{bed}: has no audio stream")
    if end is not None and info.duration < end - BED_TOLERANCE_MS:
        raise InputError(f"{bed}: the bed ({format_ms(info.duration)}) is shorter than the video ({format_ms(end)})")
    return Path(bed)


def _check_subtitles(path: Path) -> Path:
    """A subtitle file to mux, parsed once so a broken one fails before any synthesis."""
    load(path)
    return path


def _warnings(reports: Sequence[LineReport], end: int | None) -> list[str]:
    warnings = []
    for line in reports:
        if line.overflow:
            warnings.append(f"line {line.number} overflows its slot by {line.overflow_ms} ms at {line.speed}x")
        if end is not None and line.end > end:
            warnings.append(f"line {line.number} runs {line.end - end} ms past the end of the video and is cut there")
    return warnings


@contextlib.contextmanager
def _muxable(subtitles: Sequence[tuple[Path, str]]) -> Iterator[list[tuple[Path, str]]]:
    """Subtitle files ffmpeg reads as they are; others converted to SRT in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="localize-mux-") as tmp:
        result = []
        for number, (path, language) in enumerate(subtitles):
            if path.suffix.lower() not in delivery.FFMPEG_SUBTITLES:
                converted = Path(tmp) / f"{number}.srt"
                save(load(path), converted)
                path = converted
            result.append((path, language))
        yield result
