"""``read_hardsubs()``: burned-in subtitles of a video read into a :class:`Track` by OCR.

Find the band (or take the caller's), split the video into events of stable band
content frame by frame, OCR each event once (twice when it reads badly), and join the
reads of one subtitle into one cue: repeats, partial reads and unreadable spans between
reads of the same text. A read below ``MIN_CONFIDENCE`` is kept with an ``ocr: low
confidence`` flag for review; lines reading below ``JUNK_CONFIDENCE`` are not text, nor is
an uncertain read of an event with no stroked line (an object's edge in the band).
Text is normalized like audio transcripts (Simplified Chinese by default, full-width
punctuation after Han characters, Latin kept as read).
"""

from __future__ import annotations

import functools
import itertools
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from localize.errors import InputError
from localize.hardsub.band import Band, TooFewSamples, band_from_fractions, find_band, with_static
from localize.hardsub.changes import Event, find_events
from localize.hardsub.frames import frames, video_size
from localize.hardsub.ocr import DEFAULT_OCR, OcrEngine, load_ocr
from localize.language import detect_language, parse_language
from localize.media import TruncatedMedia, check_input, probe
from localize.model import DEFAULT_FPS, Cue, Track
from localize.text import edit_distance

log = logging.getLogger("localize.hardsub")

#: band detection uses the keyframes when there are this many, else frames sampled from the
#: first minute (all of the video if nothing is found there)
MIN_KEYFRAMES = 24
FIRST_LOOK_MS = 60_000
#: a read below this is kept but flagged for review; a line below JUNK_CONFIDENCE is not text
MIN_CONFIDENCE = 0.6
JUNK_CONFIDENCE = 0.3
OCR_FLAG = "ocr"
#: an uncertain read on screen for less than this is a glimpse of the picture, not a line
MIN_UNCERTAIN_MS = 300
#: reads of one subtitle this close together are one cue (a flicker split them) ...
MERGE_GAP_MS = 100
#: ... and so are reads up to this far apart with only unreadable events between them
CARRY_MS = 2000
#: an uncertain read this close (edit distance per character) to its neighbour's is the same subtitle ...
SIMILAR_SHARE = 0.5
#: ... or one whose characters mostly appear in its neighbour's read
SHARED_SHARE = 0.6


@dataclass(frozen=True)
class _Read:
    """What OCR made of an event: its lines (empty: nothing readable) and their lowest confidence."""

    start: int
    end: int
    text: str
    confidence: float


class NoSubtitlesFound(InputError):
    """The video has no burned-in subtitles that could be read."""


def read_hardsubs(
    video: str | Path,
    band: tuple[float, float] | None = None,
    language: str = "auto",
    script: str = "simplified",
    engine: str = DEFAULT_OCR,
    min_confidence: float = MIN_CONFIDENCE,
) -> Track:
    """The burned-in subtitles of ``video`` as cues.

    ``band``: (top, bottom) fractions of the height to read, else found automatically.
    ``language``: the subtitles' language code, or "auto" to detect it from the text.
    """
    language = parse_language(language)[0] or "auto"  # the codes speech recognition takes; a list: detect
    path = check_input(video)
    info = probe(path)
    if not info.has_video:
        raise InputError(f"{path}: has no video stream (burned-in subtitles need a picture)")
    found, events = locate(path, band)
    ocr = load_ocr(engine)
    cues = _cues([_read(ocr, event, min_confidence) for event in events], min_confidence)
    if not cues:
        raise NoSubtitlesFound(f"{path}: no subtitle text could be read in the band {found.fractions}")
    detected = _language(cues, language)
    if detected == "zh":
        from localize.chinese import chinese_text

        cues = [replace(c, text=chinese_text(c.text, script)) for c in cues]
    meta = {
        "from": "hardsub",
        "engine": ocr.name,
        "model": ocr.model,
        "source": str(path),
        "band": list(found.fractions),
        "ocr_calls": len(events),
    }
    if detected == "zh":
        meta["script"] = script
    return Track(cues=cues, language=detected, fps=info.fps or DEFAULT_FPS, meta=meta)


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
        raise NoSubtitlesFound(
            f"{path}: no burned-in subtitles found: no text comes and goes in the band "
            f"{found.fractions} (static text is not dialogue)"
        )
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


def _read(ocr: OcrEngine, event: Event, min_confidence: float) -> _Read:
    """The event's best read: its settled image, and its later image when that reads badly."""
    read = _read_image(ocr, event, event.image)
    if read.confidence < min_confidence and event.later is not None:
        read = max(read, _read_image(ocr, event, event.later), key=_fullness)
    if read.text and read.confidence < min_confidence and not event.strokes:
        log.info("not text at %d ms: %r (confidence %.2f) without strokes", event.start, read.text, read.confidence)
        return replace(read, text="", confidence=0.0)  # an object's edge in the band
    if not read.text:
        log.info("no line read at %d ms (background or unreadable)", event.start)
    return read


def _read_image(ocr: OcrEngine, event: Event, image: np.ndarray) -> _Read:
    """One OCR call per text line of ``image``; lines below ``JUNK_CONFIDENCE`` are not text."""
    left, _, right, _ = event.box
    texts, confidences = [], []
    for top, bottom in event.lines:
        pad = max(4, (bottom - top) // 2)
        side = max(4, bottom - top)  # a character's width: the mask may miss an edge character
        text, confidence = ocr.read_line(image[max(0, top - pad) : bottom + pad, max(0, left - side) : right + side])
        if text and confidence >= JUNK_CONFIDENCE:
            texts.append(text)
            confidences.append(confidence)
    return _Read(event.start, event.end, "\n".join(texts), min(confidences, default=0.0))


def _fullness(read: _Read) -> float:
    return len(read.text.replace("\n", "")) * read.confidence


def _cues(reads: list[_Read], min_confidence: float) -> list[Cue]:
    """Reads joined into cues: one subtitle is one cue, across flickers, unreadable spans and partial reads."""
    joined: list[_Read] = []
    bridged = 0  # ms since the last cue covered by unreadable events
    for read in reads:
        if not read.text:
            bridged += read.end - read.start
            continue
        if joined and _same_subtitle(joined[-1], read, bridged, min_confidence):
            last = joined[-1]
            best = max(last, read, key=_fullness)
            joined[-1] = _Read(last.start, read.end, best.text, best.confidence)
        else:
            joined.append(read)
        bridged = 0
    cues = []
    for r in joined:
        if r.confidence >= min_confidence:
            cues.append(Cue(r.start, r.end, r.text))
        elif r.end - r.start >= MIN_UNCERTAIN_MS:
            cues.append(Cue(r.start, r.end, r.text, flags=[f"{OCR_FLAG}: low confidence {r.confidence:.2f}"]))
        else:
            log.info("dropped a brief uncertain read at %d ms: %r (confidence %.2f)", r.start, r.text, r.confidence)
    return cues


def _same_subtitle(a: _Read, b: _Read, bridged: int, min_confidence: float) -> bool:
    """Is ``b`` the subtitle ``a`` continued (nothing but unreadable events between, the same text)?"""
    gap = b.start - a.end
    if gap - bridged > MERGE_GAP_MS or gap > CARRY_MS:
        return False
    a_text, b_text = _letters(a.text), _letters(b.text)
    if a_text == b_text or _part_of(a_text, b_text) or _part_of(b_text, a_text):
        return True
    shorter, longer = sorted((a_text, b_text), key=len)
    if min(a.confidence, b.confidence) >= min_confidence:
        return False
    shared = sum(ch in longer for ch in shorter if not ch.isspace()) / max(len(shorter.replace("\n", "")), 1)
    return edit_distance(shorter, longer) <= SIMILAR_SHARE * len(longer) or shared >= SHARED_SHARE


def _letters(text: str) -> str:
    """``text`` without punctuation and spaces (reads of one line differ most in those)."""
    return "".join(ch for ch in text if ch.isalnum() or ch == "\n")


def _part_of(part: str, whole: str) -> bool:
    """Every line of ``part`` is inside a different line of ``whole`` (a line or edge characters dropped)."""
    lines = whole.split("\n")
    for line in part.split("\n"):
        match = next((i for i, other in enumerate(lines) if line in other), None)
        if match is None:
            return False
        del lines[match]
    return True


def _language(cues: list[Cue], language: str) -> str | None:
    if language != "auto":
        return language
    return detect_language("\n".join(c.text for c in cues))
