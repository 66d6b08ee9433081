"""When the band's content changes: frame-exact subtitle events without OCR.

Every frame is decoded anyway (decoding dominates the cost), so the band's text mask is
compared frame by frame against the mask of the current event; a change is found at the
exact frame, by its presentation time. A frame whose mask covers less than
``SAME_SHARE`` of the event's (and vice versa, both dilated by a pixel for compression
noise) starts a new event, unless the event's text is still there: its fill pixels keep
their luma (text is drawn opaque, whatever the background or a translucent box behind it
does) and stay brighter than the ring of pixels around them, and no new text appeared
next to it (beyond the texture the band shows away from it: grain). So a cut or a fade
behind a line does not split it. Events shorter than ``MIN_FRAMES`` (fades, partial
frames) are dropped, but one that starts where an event ended, in a frame where that
event's text was still drawn, is its last frame (something new beside the text split it
off: 100 ms of a line in a 10 fps stretch). OCR then runs once per remaining event. A line
of an event is text when a row of it holds separate strokes: a blob beside real text (a
white object entering the band) is not a line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from localize.hardsub.band import Band
from localize.hardsub.frames import Frame
from localize.imaging import BRIGHT, row_runs, text_mask, text_rows

MIN_FRAMES = 2  # events on screen for fewer frames are fades or glitches
SAME_SHARE = 0.7  # mask overlap that still counts as the same text
MIN_TEXT_SHARE = 0.001  # share of the band's pixels a mask needs to count as text
SETTLE_FRAMES = 2  # the event's image is taken this many frames in (past any fade-in edge)
FILL_TOLERANCE = 40  # luma a fill pixel may lose and still be the same text
SAME_FILL = 0.7  # share of the fill pixels kept for a matching mask to be the same text
STILL_SHARE = 0.85  # ... and for a frame whose mask changed (background change, not text)
MIN_CONTRAST = 50  # fill minus the ring around it (outline or box), median luma
BOX_CONTRAST = 60  # a bright pixel this far above its surroundings' mean is text (on a box) ...
BOX_WINDOW_SHARE = 7  # ... the surroundings: a square of 1/7 of the band's height (at least 9 px)
ROW_SHARE = 0.05  # a text row holds at least this share of the fullest row's pixels
VALLEY_SHARE = 0.25  # a row this empty (vs the median row) between two text lines splits them
NEW_SHARE = 0.25  # text pixels next to the event but outside it, as a share of it: new text


@dataclass(frozen=True)
class Event:
    """Text on screen from ``start`` to ``end`` (ms, ``end`` = first frame without it).

    ``image``: the band's luma at a settled frame; ``box``: (left, top, right, bottom) of
    its text in frame pixels; ``lines``: (top, bottom) row ranges of each text line in
    ``image``; ``later``: the band at the event's last frame whose mask matched (a second
    chance for OCR when ``image`` reads badly); ``strokes``: a line holds separate strokes
    (without, it may be the edge of an object in the band: only a confident read is text).
    """

    start: int
    end: int
    frames: int
    image: np.ndarray
    box: tuple[int, int, int, int]
    lines: tuple[tuple[int, int], ...]
    later: np.ndarray | None = None
    strokes: bool = True


@dataclass
class _Open:
    start: int
    mask: np.ndarray
    image: np.ndarray
    frames: int = 1
    later: np.ndarray | None = None
    fill: np.ndarray | None = None
    ring: np.ndarray | None = None


def find_events(frames: Iterable[Frame], band: Band) -> list[Event]:
    """Events of stable text in ``band``, in order."""
    return list(_events(frames, band))


def _events(frames: Iterable[Frame], band: Band) -> Iterator[Event]:
    current: _Open | None = None
    last_time, step = 0, 0
    done: Event | None = None  # the last event, held back: a frame split off its end may follow
    held = False  # done's text was still drawn in the frame that ended it
    for frame in frames:
        crop = frame.luma[band.top : band.bottom]
        mask = _text_pixels(crop)
        if band.static is not None and band.static.shape == mask.shape:
            mask &= ~band.static
        has_text = mask.sum() >= max(20, MIN_TEXT_SHARE * mask.size)
        same = current is not None and has_text and _same(mask, current.mask) and _kept(crop, current) >= SAME_FILL
        if current is not None and not same and not _still_there(crop, mask, current):
            done, ready = _finish(current, frame.time, band, done, held)
            held = done is not None and done.start == current.start and _drawn(crop, current)
            current = None
            if ready is not None:
                yield ready
        if current is None and has_text:
            current = _Open(frame.time, mask, crop.copy())
        elif current is not None:
            current.frames += 1
            if current.frames <= SETTLE_FRAMES:
                current.mask, current.image, current.fill = mask, crop.copy(), None
            elif same:
                current.later = crop.copy()
        step = frame.time - last_time if frame.time > last_time else step
        last_time = frame.time
    if current is not None:
        done, ready = _finish(current, last_time + step, band, done, held)
        if ready is not None:
            yield ready
    if done is not None:
        yield done


def _text_pixels(crop: np.ndarray) -> np.ndarray:
    """Subtitle-like pixels: the band's text mask, plus bright pixels well above the mean of
    their surroundings (text on a translucent box over a bright picture has no dark pixel
    next to it)."""
    import cv2

    window = max(9, crop.shape[0] // BOX_WINDOW_SHARE | 1)  # about half a text line: stroke interiors count too
    surroundings = cv2.blur(crop, (window, window)).astype(np.int16)
    return text_mask(crop) | ((crop >= BRIGHT) & (crop.astype(np.int16) - surroundings >= BOX_CONTRAST))


def _same(mask: np.ndarray, reference: np.ndarray) -> bool:
    import cv2

    kernel = np.ones((3, 3), np.uint8)
    grown_ref = cv2.dilate(reference.astype(np.uint8), kernel).astype(bool)
    grown = cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)
    covered = (mask & grown_ref).sum() / max(mask.sum(), 1)
    kept = (reference & grown).sum() / max(reference.sum(), 1)
    return min(covered, kept) >= SAME_SHARE


def _kept(crop: np.ndarray, event: _Open) -> float:
    """Share of the event's fill pixels that keep their luma in ``crop``."""
    if event.fill is None:
        event.fill, event.ring = _fill_and_ring(event.image, event.mask)
    reference = event.image[event.fill].astype(np.int16)
    return float(np.mean(crop[event.fill].astype(np.int16) >= reference - FILL_TOLERANCE)) if reference.size else 0.0


def _fill_and_ring(image: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The text's own pixels in ``mask`` (not bright background next to an outline: bright
    regions wider than the band is tall) and the ring of pixels around them."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats((image >= BRIGHT).astype(np.uint8), connectivity=4)
    wide = np.flatnonzero(stats[:, cv2.CC_STAT_WIDTH] > image.shape[0])
    fill = mask & ~np.isin(labels, wide)
    grown = cv2.dilate(fill.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    return fill, grown & ~cv2.dilate(fill.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)


def _still_there(crop: np.ndarray, mask: np.ndarray, event: _Open) -> bool:
    """Is the event's text still drawn and nothing new beside it?"""
    if not _drawn(crop, event):
        return False
    assert event.fill is not None  # _drawn set it
    return _new_text(_fill_and_ring(crop, mask)[0], event.fill) < NEW_SHARE


def _drawn(crop: np.ndarray, event: _Open) -> bool:
    """Is the event's text drawn in ``crop`` (its fill kept, in contrast to the ring around it)?"""
    if _kept(crop, event) < STILL_SHARE:
        return False
    fill, ring = event.fill, event.ring
    assert fill is not None and ring is not None  # _kept set them
    return bool(ring.any()) and np.median(crop[fill]) - np.median(crop[ring]) >= MIN_CONTRAST


def _new_text(mask: np.ndarray, reference: np.ndarray) -> float:
    """Text pixels of ``mask`` near ``reference``'s text (one text height around it) but not on it, per its
    pixel, beyond what the band's texture away from it (grain, a busy picture) puts there as well."""
    import cv2

    rows, cols = np.flatnonzero(reference.any(axis=1)), np.flatnonzero(reference.any(axis=0))
    reach = int(rows[-1] - rows[0] + 1)
    near = (slice(max(0, rows[0] - reach), rows[-1] + reach + 1), slice(max(0, cols[0] - reach), cols[-1] + reach + 1))
    around = ~cv2.dilate(reference.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)[near]
    far_area = mask.size - mask[near].size
    texture = (mask.sum() - mask[near].sum()) / far_area if far_area else 0.0
    return max(0.0, (mask[near] & around).sum() - texture * around.sum()) / max(reference.sum(), 1)


def _finish(event: _Open, end: int, band: Band, done: Event | None, held: bool) -> tuple[Event | None, Event | None]:
    """(the event to hold back, the event ready to yield) once ``event`` ends at ``end``; ``done``: the one
    held back so far, ``held``: its text was still drawn in the frame ``event`` started on."""
    if event.frames >= MIN_FRAMES:
        return _close(event, end, band), done
    if done is not None and held and event.start == done.end:  # its last frame, split off by something new
        return replace(done, end=end, frames=done.frames + event.frames), None
    return done, None  # a fade or a glitch


def _close(event: _Open, end: int, band: Band) -> Event:
    rows, cols = np.flatnonzero(event.mask.any(axis=1)), np.flatnonzero(event.mask.any(axis=0))
    box = (int(cols[0]), band.top + int(rows[0]), int(cols[-1]) + 1, band.top + int(rows[-1]) + 1)
    fill = _fill_and_ring(event.image, event.mask)[0]
    text = (
        fill if fill.sum() >= MIN_TEXT_SHARE * fill.size else event.mask
    )  # bright background next to outlines left out
    lines = _lines(text)
    stroked = [(a, b) for a, b in lines if text_rows(text[a:b]).any()]  # a line without, beside one with: an object
    return Event(event.start, end, event.frames, event.image, box, tuple(stroked or lines), event.later, bool(stroked))


def _lines(mask: np.ndarray) -> tuple[tuple[int, int], ...]:
    """Row ranges of the text lines in ``mask`` (runs of text rows, small gaps bridged;
    rows with a few stray pixels of the picture are not text rows)."""
    counts = mask.sum(axis=1)
    rows = np.flatnonzero(counts >= max(2, ROW_SHARE * counts.max()))
    if rows.size == 0:
        return ((0, mask.shape[0]),)
    runs = [part for run in row_runs(rows, max(3, mask.shape[0] // 20)) for part in _split_at_valley(run, counts)]
    tallest = max(b - a for a, b in runs)
    return tuple((int(a), int(b)) for a, b in runs if b - a >= tallest / 3)


def _split_at_valley(run: tuple[int, int], counts: np.ndarray) -> list[tuple[int, int]]:
    """``run`` as two lines when a row in its middle third holds under ``VALLEY_SHARE`` of its median text."""
    top, bottom = run
    third = (bottom - top) // 3
    middle = counts[top + third : bottom - third]
    if third < 4 or middle.size == 0:
        return [run]
    cut = top + third + int(np.argmin(middle))
    if counts[cut] >= VALLEY_SHARE * np.median(counts[top:bottom]):
        return [run]
    return [(top, cut), (cut + 1, bottom)]
