"""When the band's content changes: frame-exact subtitle events without OCR.

Every frame is decoded anyway (decoding dominates the cost), so the band's text mask is
compared frame by frame against the mask of the current event; a change is found at the
exact frame, by its presentation time. A frame whose mask covers less than
``SAME_SHARE`` of the event's (and vice versa, both dilated by a pixel for compression
noise) starts a new event. Events shorter than ``MIN_FRAMES`` (fades, partial frames)
are dropped; OCR then runs once per remaining event.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from localize.hardsub.band import Band, row_runs, text_mask
from localize.hardsub.frames import Frame

MIN_FRAMES = 2        # events on screen for fewer frames are fades or glitches
SAME_SHARE = 0.7      # mask overlap that still counts as the same text
MIN_TEXT_SHARE = 0.001  # share of the band's pixels a mask needs to count as text
SETTLE_FRAMES = 2     # the event's image is taken this many frames in (past any fade-in edge)


@dataclass(frozen=True)
class Event:
    """Text on screen from ``start`` to ``end`` (ms, ``end`` = first frame without it).

    ``image``: the band's luma at a settled frame; ``box``: (left, top, right, bottom) of
    its text in frame pixels; ``lines``: (top, bottom) row ranges of each text line in
    ``image``.
    """

    start: int
    end: int
    frames: int
    image: np.ndarray
    box: tuple[int, int, int, int]
    lines: tuple[tuple[int, int], ...]


@dataclass
class _Open:
    start: int
    mask: np.ndarray
    image: np.ndarray
    frames: int = 1


def find_events(frames: Iterable[Frame], band: Band) -> list[Event]:
    """Events of stable text in ``band``, in order."""
    return list(_events(frames, band))


def _events(frames: Iterable[Frame], band: Band) -> Iterator[Event]:
    current: _Open | None = None
    last_time, step = 0, 0
    for frame in frames:
        crop = frame.luma[band.top:band.bottom]
        mask = text_mask(crop)
        if band.static is not None and band.static.shape == mask.shape:
            mask &= ~band.static
        has_text = mask.sum() >= max(20, MIN_TEXT_SHARE * mask.size)
        if current is not None and not (has_text and _same(mask, current.mask)):
            yield from _close(current, frame.time, band)
            current = None
        if current is None and has_text:
            current = _Open(frame.time, mask, crop.copy())
        elif current is not None:
            current.frames += 1
            if current.frames <= SETTLE_FRAMES:
                current.mask, current.image = mask, crop.copy()
        step = frame.time - last_time if frame.time > last_time else step
        last_time = frame.time
    if current is not None:
        yield from _close(current, last_time + step, band)


def _same(mask: np.ndarray, reference: np.ndarray) -> bool:
    import cv2

    kernel = np.ones((3, 3), np.uint8)
    grown_ref = cv2.dilate(reference.astype(np.uint8), kernel).astype(bool)
    grown = cv2.dilate(mask.astype(np.uint8), kernel).astype(bool)
    covered = (mask & grown_ref).sum() / max(mask.sum(), 1)
    kept = (reference & grown).sum() / max(reference.sum(), 1)
    return min(covered, kept) >= SAME_SHARE


def _close(event: _Open, end: int, band: Band) -> Iterator[Event]:
    if event.frames < MIN_FRAMES:
        return
    rows = np.flatnonzero(event.mask.any(axis=1))
    cols = np.flatnonzero(event.mask.any(axis=0))
    box = (int(cols[0]), band.top + int(rows[0]), int(cols[-1]) + 1, band.top + int(rows[-1]) + 1)
    yield Event(event.start, end, event.frames, event.image, box, _lines(event.mask))


def _lines(mask: np.ndarray) -> tuple[tuple[int, int], ...]:
    """Row ranges of the text lines in ``mask`` (runs of text rows, small gaps bridged)."""
    rows = np.flatnonzero(mask.sum(axis=1) >= 2)
    if rows.size == 0:
        return ((0, mask.shape[0]),)
    runs = row_runs(rows, max(3, mask.shape[0] // 20))
    tallest = max(b - a for a, b in runs)
    return tuple((int(a), int(b)) for a, b in runs if b - a >= tallest / 3)
