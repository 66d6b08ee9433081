"""Where the subtitles are: the horizontal band whose text comes and goes.

A pixel is subtitle-like when it is bright and close to a dark pixel (light text with a
dark outline or shadow, the near-universal burned-in style) and not part of a solid
bright area (a white object, a lit wall: strokes are thin). A row "has text" in a frame
when enough such pixels form several separate strokes. Over frames sampled from the
video, a dialogue row has text some of the time; a logo, watermark or credit line has it
all of the time and a plain picture none of the time. The band is the run of rows with
the most on/off variation, padded a little, among the runs centred in the lower 40% of
the frame (where dialogue subtitles sit; titles and text in the picture itself sit
higher). Subtitles placed elsewhere are read with an explicit band. Static text in a
band (found or given) is masked out, with a margin for the background it sits on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from localize.errors import InputError
from localize.hardsub.frames import Frame
from localize.imaging import OUTLINE_REACH, row_runs, text_mask, text_rows

SAMPLE_MS = 250  # band detection looks at one frame per this many ms
MIN_SCORE = 0.25  # on/off variation p(1-p)*4 a band row needs (1.0 = on half the time)
STATIC_SHARE = 0.9  # text pixels present in this share of samples are static (logos)
ROW_GAP = 0.02  # rows of a band may be this share of the height apart (two-line events)
SEARCH_FROM = 0.6  # a band is centred below this share of the height (else give --band)
STATIC_MARGIN = 1 / 72  # static text's mask reaches this share of the width further (outline, background)


@dataclass(frozen=True)
class Band:
    """Rows ``top`` (inclusive) to ``bottom`` (exclusive) of a ``height``-row frame.

    ``static``: the band's pixels that hold text nearly all the time (a logo in the
    band) and a margin around them, ignored when looking for subtitle changes.
    """

    top: int
    bottom: int
    height: int
    static: np.ndarray | None = None

    @property
    def fractions(self) -> tuple[float, float]:
        return round(float(self.top) / self.height, 4), round(float(self.bottom) / self.height, 4)


def band_from_fractions(top: float, bottom: float, height: int) -> Band:
    """A user-given band (fractions of the height), checked; see :func:`with_static` for its static text."""
    if not (0.0 <= top < bottom <= 1.0):
        raise InputError(
            f"band {top},{bottom} is outside the frame: give TOP,BOTTOM as fractions "
            "of the height with 0 <= TOP < BOTTOM <= 1 (e.g. 0.7,0.9)"
        )
    first, last = int(top * height), int(round(bottom * height))
    if last - first < 8:
        raise InputError(f"band {top},{bottom} is only {last - first} px tall; give a wider band")
    return Band(first, last, height)


class TooFewSamples(InputError):
    """Too few frames to tell a subtitle band from anything else."""


@dataclass
class _Samples:
    """Frames sampled every ``SAMPLE_MS``: per sample the rows with text, per pixel how often it is text."""

    rows: list[np.ndarray]
    counts: np.ndarray | None = None

    @classmethod
    def of(cls, frames: Iterable[Frame], name: str, min_samples: int) -> _Samples:
        found, next_time = cls([]), None
        for frame in frames:
            if next_time is not None and frame.time < next_time:
                continue
            next_time = frame.time + SAMPLE_MS
            mask = text_mask(frame.luma)
            found.rows.append(text_rows(mask))
            found.counts = mask.astype(np.uint16) if found.counts is None else found.counts + mask
        if len(found.rows) < min_samples:
            raise TooFewSamples(
                f"{name}: too short to find a subtitle band ({len(found.rows)} sampled frames); give --band"
            )
        return found

    def static(self, top: int, bottom: int) -> np.ndarray | None:
        """Rows ``top:bottom`` of the static text mask: text in ``STATIC_SHARE`` of the samples, grown by
        ``STATIC_MARGIN`` (its outline and the background next to it, text-like when that is bright)."""
        import cv2

        assert self.counts is not None
        fill = (self.counts >= STATIC_SHARE * len(self.rows)).astype(np.uint8)
        size = 2 * max(OUTLINE_REACH, round(fill.shape[1] * STATIC_MARGIN)) + 1
        static = cv2.dilate(fill, np.ones((size, size), np.uint8))[top:bottom].astype(bool)
        return static if static.any() else None


def with_static(band: Band, frames: Iterable[Frame], min_samples: int = 4) -> Band:
    """``band`` with its static text (a logo, a caption that never changes) found from sampled ``frames``."""
    samples = _Samples.of(frames, "video", min_samples)
    return Band(band.top, band.bottom, band.height, samples.static(band.top, band.bottom))


def find_band(frames: Iterable[Frame], name: str = "video", min_samples: int = 4) -> Band:
    """The subtitle band of a video from its frames (sampled every ``SAMPLE_MS``)."""
    samples = _Samples.of(frames, name, min_samples)
    presence = np.mean(samples.rows, axis=0)
    found = _best_run(presence * (1 - presence) * 4, len(presence))
    if found is None:
        raise InputError(
            f"{name}: no burned-in subtitles found (no band of text that comes and goes); "
            "use --source audio, or give --band TOP,BOTTOM if they are there"
        )
    top, bottom = map(int, found)
    return Band(top, bottom, len(presence), samples.static(top, bottom))


def _best_run(score: np.ndarray, height: int) -> tuple[int, int] | None:
    """Padded (top, bottom) of the run of rows scoring >= ``MIN_SCORE`` with the largest total."""
    rows = np.flatnonzero(score >= MIN_SCORE)
    if rows.size == 0:
        return None
    runs = row_runs(rows, max(2, int(ROW_GAP * height)))
    low = [run for run in runs if run[0] + run[1] >= 2 * SEARCH_FROM * height]
    if not low:
        return None
    top, bottom = max(low, key=lambda run: score[run[0] : run[1]].sum())
    if bottom - top < 4:
        return None
    pad = max(2, (bottom - top) // 4)
    return max(0, top - pad), min(height, bottom + pad)
