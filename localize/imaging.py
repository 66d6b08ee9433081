"""Image measures shared by the stages: where bright outlined subtitle text is in a luma frame."""

from __future__ import annotations

import numpy as np

BRIGHT = 180  # luma of subtitle fill (white, yellow)
DARK = 80  # luma of its outline or shadow
OUTLINE_REACH = 2  # px between fill and outline
MIN_STROKES = 4  # separate runs of text pixels for a row to count as text
SOLID_SHARE = 1 / 24  # a bright area holding a square this share of the width wide is a surface, not a stroke


def text_mask(luma: np.ndarray, width: int | None = None) -> np.ndarray:
    """Bright pixels within ``OUTLINE_REACH`` of a dark one, outside solid bright areas.

    ``width``: the frame's, when ``luma`` is a crop narrower than the frame.
    """
    import cv2

    size = 2 * OUTLINE_REACH + 1
    bright = (luma >= BRIGHT).astype(np.uint8)
    near_dark = cv2.dilate((luma <= DARK).astype(np.uint8), np.ones((size, size), np.uint8))
    side = max(size + 2, round((width or luma.shape[1]) * SOLID_SHARE))
    return (bright > _solid(bright, side)) & near_dark.astype(bool)


def _solid(bright: np.ndarray, side: int, cell: int = 4) -> np.ndarray:
    """The pixels of ``bright`` (0/1) inside a fully bright ``side`` x ``side`` square within the image.

    Most frames have none: a look at ``cell`` x ``cell`` blocks rules them out cheaply
    (such a square holds at least ``side // cell - 2`` fully bright blocks each way).
    """
    import cv2

    height, width = bright.shape[0] // cell * cell, bright.shape[1] // cell * cell
    if not height or not width:
        return np.zeros_like(bright)
    blocks = cv2.erode(bright[:height, :width], np.ones((cell, cell), np.uint8), anchor=(0, 0))[::cell, ::cell]
    reach = max(1, side // cell - 2)
    if not cv2.erode(blocks, np.ones((reach, reach), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0).any():
        return np.zeros_like(bright)
    return cv2.morphologyEx(
        bright, cv2.MORPH_OPEN, np.ones((side, side), np.uint8), borderType=cv2.BORDER_CONSTANT, borderValue=0
    )


def text_rows(mask: np.ndarray) -> np.ndarray:
    """Per row: True when it holds at least ``MIN_STROKES`` separate runs of text pixels."""
    starts = mask[:, 1:] & ~mask[:, :-1]
    return starts.sum(axis=1) >= MIN_STROKES


def row_runs(rows: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """(first, end) ranges of the sorted, non-empty row indexes ``rows``, bridging gaps of up to ``gap`` rows."""
    runs, start = [], rows[0]
    for a, b in zip(rows, rows[1:]):
        if b - a > gap:
            runs.append((start, a + 1))
            start = b
    runs.append((start, rows[-1] + 1))
    return runs
