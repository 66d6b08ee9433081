"""``read_hardsubs()``: burned-in subtitles of a video read into a :class:`Track` by OCR.

Find the band (or take the caller's), split the video into events of stable band
content frame by frame, OCR each event once, drop low-confidence reads and merge
repeats into cues. Text is normalized like audio transcripts (Simplified Chinese by
default, full-width punctuation after Han characters, Latin kept as read).
"""
from __future__ import annotations

import functools
import itertools
import logging
from pathlib import Path

from localize.errors import InputError
from localize.hardsub.band import Band, TooFewSamples, band_from_fractions, find_band, with_static
from localize.hardsub.changes import Event, find_events
from localize.hardsub.frames import frames, video_size
from localize.hardsub.ocr import OcrEngine, load_ocr
from localize.media import TruncatedMedia, check_input, probe
from localize.model import DEFAULT_FPS, Cue, Track, is_cjk

log = logging.getLogger("localize.hardsub")

#: band detection uses the keyframes when there are this many, else frames sampled from the
#: first minute (all of the video if nothing is found there)
MIN_KEYFRAMES = 24
FIRST_LOOK_MS = 60_000
MIN_CONFIDENCE = 0.6
#: identical reads this close together are one cue (a flicker split them)
MERGE_GAP_MS = 100


class NoSubtitlesFound(InputError):
    """The video has no burned-in subtitles that could be read."""


def read_hardsubs(
    video: str | Path,
    band: tuple[float, float] | None = None,
    language: str = "auto",
    script: str = "simplified",
    engine: str = "rapidocr",
    min_confidence: float = MIN_CONFIDENCE,
) -> Track:
    """The burned-in subtitles of ``video`` as cues.

    ``band``: (top, bottom) fractions of the height to read, else found automatically.
    ``language``: the subtitles' language code, or "auto" to detect it from the text.
    """
    from localize.transcription.core import parse_language

    language = parse_language(language)[0] or "auto"  # the codes speech recognition takes; a list: detect
    path = check_input(video)
    info = probe(path)
    if not info.has_video:
        raise InputError(f"{path}: has no video stream (burned-in subtitles need a picture)")
    found, events = locate(path, band)
    ocr = load_ocr(engine)
    cues = _merge([cue for event in events if (cue := _read(ocr, event, min_confidence)) is not None])
    if not cues:
        raise NoSubtitlesFound(f"{path}: no subtitle text could be read in the band {found.fractions}")
    language = _language(cues, language)
    if language == "zh":
        from localize.transcription.chinese import chinese_text

        cues = [Cue(c.start, c.end, chinese_text(c.text, script)) for c in cues]
    meta = {"from": "hardsub", "engine": ocr.name, "model": ocr.model, "source": str(path),
            "band": list(found.fractions), "ocr_calls": len(events)}
    if language == "zh":
        meta["script"] = script
    return Track(cues=cues, language=language, fps=info.fps or DEFAULT_FPS, meta=meta)


def locate(video: str | Path, band: tuple[float, float] | None = None) -> tuple[Band, tuple[Event, ...]]:
    """The band and its events (no OCR); remembered per file and band within a process."""
    path = check_input(video).resolve()
    stat = path.stat()
    return _locate(path, stat.st_size, stat.st_mtime_ns, band)


@functools.lru_cache(maxsize=8)
def _locate(path: Path, size: int, mtime_ns: int, band: tuple[float, float] | None) -> tuple[Band, tuple[Event, ...]]:
    found = _given(path, band) if band is not None else _find(path)
    events = tuple(find_events(frames(path), found))
    if not events:
        raise NoSubtitlesFound(f"{path}: no burned-in subtitles found: no text comes and goes in the band "
                               f"{found.fractions} (static text is not dialogue)")
    log.info("%s: subtitle band %s, %d events", path.name, found.fractions, len(events))
    return found, events


def _given(path: Path, band: tuple[float, float]) -> Band:
    """The caller's band with its static text, from the keyframes when there are enough, else sampled frames."""
    given = band_from_fractions(*band, video_size(path)[1])
    try:
        return with_static(given, frames(path, keyframes_only=True), min_samples=MIN_KEYFRAMES)
    except TooFewSamples:
        pass
    try:
        return with_static(given, itertools.takewhile(lambda f: f.time < FIRST_LOOK_MS, frames(path)))
    except TooFewSamples:
        return given  # too short to tell static text from subtitles


def _find(path: Path) -> Band:
    """The band from the keyframes alone (a fast decode) when there are enough, else from sampled frames."""
    try:
        try:
            return find_band(frames(path, keyframes_only=True), path.name, min_samples=MIN_KEYFRAMES)
        except TooFewSamples:
            pass  # long keyframe intervals or a short video: sample decoded frames instead
        try:
            return find_band(itertools.takewhile(lambda f: f.time < FIRST_LOOK_MS, frames(path)), path.name)
        except InputError:
            if probe(path).duration <= FIRST_LOOK_MS:
                raise
        return find_band(frames(path), path.name)
    except TruncatedMedia:
        raise  # not "no subtitles": --source auto must not fall back to a partial audio read either
    except InputError as error:
        raise NoSubtitlesFound(str(error)) from None


def _read(ocr: OcrEngine, event: Event, min_confidence: float) -> Cue | None:
    """The event's text, one OCR call per line; None when any line reads too uncertainly."""
    left, _, right, _ = event.box
    texts = []
    for top, bottom in event.lines:
        pad = max(4, (bottom - top) // 2)
        crop = event.image[max(0, top - pad):bottom + pad, max(0, left - pad):right + pad]
        text, confidence = ocr.read_line(crop)
        if confidence < min_confidence or not text:
            log.info("dropped a read at %d ms: %r (confidence %.2f)", event.start, text, confidence)
            return None
        texts.append(text)
    return Cue(event.start, event.end, "\n".join(texts))


def _merge(cues: list[Cue]) -> list[Cue]:
    merged: list[Cue] = []
    for cue in cues:
        if merged and merged[-1].text == cue.text and cue.start - merged[-1].end <= MERGE_GAP_MS:
            merged[-1] = Cue(merged[-1].start, cue.end, cue.text)
        else:
            merged.append(cue)
    return merged


def _language(cues: list[Cue], language: str) -> str | None:
    if language != "auto":
        return language
    from localize.language import detect_language

    text = "\n".join(c.text for c in cues)
    if sum(map(is_cjk, text)) > len(text) / 3 and not any("\u3040" <= ch <= "\u30ff" or "\uac00" <= ch <= "\ud7af" for ch in text):
        return "zh"
    return detect_language(text)
