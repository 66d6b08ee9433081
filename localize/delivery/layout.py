"""Where burned-in target subtitles go and how their lines break, before libass draws them.

All sizes are in the ASS play resolution (1920 px high, as wide as the video's aspect).
libass sizes a font so that a line is ``Fontsize`` px high; a glyph is about
``CJK_WIDTH`` x Fontsize wide for CJK and ``OTHER_WIDTH`` x Fontsize for other scripts
(Noto Sans, bold), which is enough to break lines before they reach the frame's edges.

Lines too wide for the frame are broken where the timing module's line rules allow
(:func:`localize.timing.linebreak.break_points`: spaces, between CJK characters but not
before closing punctuation) and, for Thai, between words (libthai's dictionary when the
library is installed, else between character clusters), with lines of even width no
longer than the vertical profile's line limit.

Static text in the picture (credits, logos: text pixels present in >= 90% of sampled
frames) is found once per burn; each cue is placed where it overlaps none of it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import math
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from localize.formats.markup import compose, restyle, runs
from localize.formats.markup import lines as markup_lines
from localize.model import is_cjk

Box = tuple[int, int, int, int]  # left, top, right, bottom
CJK_WIDTH = 0.70  # advance of a CJK glyph, share of Fontsize (Noto Sans CJK: em = 0.68 Fontsize)
OTHER_WIDTH = 0.42  # average advance of a Latin/Thai glyph, share of Fontsize (bold Noto Sans: ~0.37)
STATIC_SHARE = 0.9  # text present in this share of sampled frames is static
STATIC_SAMPLES = 24  # frames sampled for static text (keyframes when there are this many)
MIN_STATIC_SAMPLES = 6
GAP = 0.2  # clearance around static text, share of Fontsize


def char_width(char: str, size: float) -> float:
    """Estimated advance of ``char`` at Fontsize ``size`` (combining marks take none)."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0.0
    return size * (CJK_WIDTH if is_cjk(char) or unicodedata.east_asian_width(char) in "WF" else OTHER_WIDTH)


def text_width(text: str, size: float) -> float:
    return sum(char_width(ch, size) for ch in text)


def wrap(text: str, limit: float, size: float, max_chars: int) -> str:
    """Marked-up ``text`` with each line wider than ``limit`` px broken into lines that fit it."""
    out = []
    for line in markup_lines(runs(text)):
        plain = "".join(part for part, _ in line)
        breaks = _breaks(plain, limit, size, max_chars) if text_width(plain, size) > limit else []
        out.append(restyle(compose(line), _broken(plain, breaks)))
    return "\n".join(out)


def line_count(text: str, limit: float, size: float) -> tuple[int, float]:
    """(lines, widest line px) that ``text`` takes when drawn within ``limit`` px."""
    widths = [text_width("".join(p for p, _ in line), size) for line in markup_lines(runs(text))]
    return sum(max(1, math.ceil(w / limit)) for w in widths), min(limit, max(widths, default=0.0))


def _breaks(text: str, limit: float, size: float, max_chars: int) -> list[int]:
    """Indexes where ``text`` breaks into lines of even width, each within ``limit`` px and ``max_chars``."""
    from localize.timing import break_points

    edges = np.cumsum([0.0] + [char_width(ch, size) for ch in text])
    candidates = sorted(set(break_points(text)) | set(thai_breaks(text))) or _clusters(text)
    chosen, start = [], 0
    while edges[-1] - edges[start] > limit or len(text) - start > max_chars:
        lines_left = max(2, math.ceil((edges[-1] - edges[start]) / limit))
        target = edges[start] + (edges[-1] - edges[start]) / lines_left
        later = [c for c in candidates if c > start]
        reach = min(start + max_chars, int(np.searchsorted(edges, edges[start] + limit, side="right")) - 1)
        # a word wider than a line (a URL, a long compound) is broken inside it rather than run off the edges
        fitting = [c for c in later if c <= reach] or [c for c in _clusters(text) if start < c <= reach] or later[:1]
        if not fitting:
            break
        best = min(fitting, key=lambda c: abs(edges[c] - target))
        chosen.append(best)
        start = best
    return chosen


def _broken(text: str, breaks: Sequence[int]) -> str:
    """``text`` with a line break at each index (a space before it dropped)."""
    edges = [0, *breaks, len(text)]
    return "\n".join(text[a:b].rstrip(" ") if b < len(text) else text[a:b] for a, b in zip(edges, edges[1:]))


def _clusters(text: str) -> list[int]:
    """Every index not before a combining mark: the last resort for a text with no break opportunity."""
    return [
        i for i in range(1, len(text)) if not unicodedata.combining(text[i]) and unicodedata.category(text[i]) != "Mn"
    ]


def thai_breaks(text: str) -> list[int]:
    """Word boundaries inside runs of Thai script (libthai), or [] without the library."""
    engine = _libthai()
    found: list[int] = []
    for start, end in _thai_runs(text):
        if engine is None:
            found += [start + i for i in _clusters(text[start:end])]
            continue
        library, breaker = engine
        positions = (ctypes.c_int * (end - start + 1))()
        count = library.th_brk_wc_find_breaks(breaker, text[start:end], positions, end - start + 1)
        found += [start + p for p in positions[:count] if 0 < p < end - start]
    return found


def _thai_runs(text: str) -> Iterator[tuple[int, int]]:
    start = None
    for index, char in enumerate(text + " "):
        thai = "\u0e00" <= char <= "\u0e7f"
        if thai and start is None:
            start = index
        elif not thai and start is not None:
            yield start, index
            start = None


@functools.lru_cache(maxsize=1)
def _libthai() -> tuple[ctypes.CDLL, int] | None:
    """libthai (Debian libthai0) and a word breaker with its default dictionary, if installed."""
    try:
        library = ctypes.CDLL(ctypes.util.find_library("thai") or "libthai.so.0")
    except OSError:
        return None
    library.th_brk_new.restype = ctypes.c_void_p
    library.th_brk_new.argtypes = [ctypes.c_char_p]
    library.th_brk_wc_find_breaks.argtypes = [
        ctypes.c_void_p,
        ctypes.c_wchar_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.c_size_t,
    ]
    breaker = library.th_brk_new(None)
    return (library, breaker) if breaker else None


def static_text(video: Path, duration_ms: int) -> list[Box]:
    """Boxes (video px) of text that stays on screen: text pixels in >= 90% of sampled frames."""
    import cv2

    from localize.imaging import text_mask, text_rows

    counts, samples = None, 0
    for luma in _samples(video, duration_ms):
        mask = text_mask(luma)
        counts = mask.astype(np.uint16) if counts is None else counts + mask
        samples += 1
    if counts is None or samples < MIN_STATIC_SAMPLES:
        return []
    static = counts >= STATIC_SHARE * samples
    height, width = static.shape
    joined = cv2.dilate(static.astype(np.uint8), np.ones((max(3, height // 200), max(9, width // 25)), np.uint8))
    _, _, stats, _ = cv2.connectedComponentsWithStats(joined)
    boxes = []
    for left, top, w, h, _ in stats[1:]:
        region = static[top : top + h, left : left + w]
        if h >= 4 and region.sum() >= 20 and text_rows(region).any():
            boxes.append((int(left), int(top), int(left + w), int(top + h)))
    return boxes


def _samples(video: Path, duration_ms: int) -> Iterator[np.ndarray]:
    """Luma planes spread over the video: its keyframes when there are enough, else one frame per step."""
    from localize.hardsub.frames import frames

    keyframes = [f.luma.copy() for f in frames(video, keyframes_only=True)]
    if len(keyframes) >= STATIC_SAMPLES:
        yield from keyframes[:: max(1, len(keyframes) // (4 * STATIC_SAMPLES))]
        return
    step, next_time = max(1, duration_ms // STATIC_SAMPLES), 0
    for frame in frames(video):
        if frame.time >= next_time:
            next_time = frame.time + step
            yield frame.luma


@dataclass(frozen=True)
class Placement:
    """A cue's bottom edge (play px from the top) and whether it had to overlap static text."""

    bottom: float
    clear: bool


def place(
    preferred: float,
    lines: int,
    width: float,
    centre_x: float,
    size: float,
    obstacles: Sequence[Box],
    frame_height: float,
    movable: bool,
) -> Placement:
    """The bottom edge nearest ``preferred`` where a ``lines`` x ``width`` block overlaps no obstacle."""
    gap = GAP * size
    height = lines * size

    def clear(bottom: float) -> bool:
        left, right, top = centre_x - width / 2, centre_x + width / 2, bottom - height
        return all(
            right + gap <= b[0] or left - gap >= b[2] or bottom + gap <= b[1] or top - gap >= b[3] for b in obstacles
        )

    if clear(preferred) or not movable:
        return Placement(preferred, clear(preferred))
    candidates = [b[1] - gap for b in obstacles] + [b[3] + gap + height for b in obstacles]
    inside = [c for c in candidates if height + gap <= c <= frame_height - gap and clear(c)]
    if not inside:
        return Placement(preferred, False)
    return Placement(min(inside, key=lambda c: abs(c - preferred)), True)
