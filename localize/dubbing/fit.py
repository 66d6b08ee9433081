"""Fit each synthesized line into its slot without rushed speech and without cutting words.

A line's window runs from its cue start to the next cue start, or to the first shot change
after the cue ends if that comes sooner, or to the end of the video. The ladder:

1. it fits as is (speed 1.0);
2. a pitch-preserving speed-up up to ``comfortable`` (1.15x) makes it fit;
3. at ``comfortable`` speed it borrows the silence that follows the window (past the shot
   change, up to the next line's start, at most :data:`MAX_BORROW_MS`);
4. it speeds up further inside the borrowed window, never past ``max_speed`` (1.3x);
5. still too long: it is placed whole at ``max_speed`` and its overflow is flagged.

Every line starts at its own cue start, so an overflow never pushes later lines (no drift).
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from localize import processes
from localize.errors import ModelError, OptionError
from localize.media import require_tool
from localize.model import Cue

MAX_BORROW_MS = 1500
SILENCE_DB = -40.0  # below the loudest 5 ms frame: leading/trailing silence
SAFETY_MS = 10  # stretched audio may run a few samples long; aim this much short


@dataclass(frozen=True)
class Slot:
    """Where a line may sound: ``window`` ms from its start, plus ``borrowable`` ms after that."""

    start: int
    window: int
    borrowable: int


@dataclass(frozen=True)
class Fit:
    """How a line of ``natural`` ms is fitted: its speed, the silence borrowed, its overflow."""

    speed: float
    borrowed: int
    overflow: int
    comfortable_limit: float = 1.15

    @property
    def category(self) -> str:
        """``as_is``, ``comfortable``, ``capped`` or ``overflow`` (for reports and benchmarks)."""
        if self.overflow > 0:
            return "overflow"
        if self.speed <= 1.0:
            return "as_is"
        return "comfortable" if self.speed <= self.comfortable_limit else "capped"


def slots(cues: Sequence[Cue], end: int, shots: Sequence[int] = ()) -> list[Slot]:
    """Each cue's window and borrowable silence; ``end`` is the end of the video (ms)."""
    cuts = sorted(shots)
    result = []
    for index, cue in enumerate(cues):
        next_start = cues[index + 1].start if index + 1 < len(cues) else end
        limit = min(next_start, end)
        position = bisect.bisect_left(cuts, cue.end)
        window_end = min(limit, cuts[position]) if position < len(cuts) else limit
        borrowable = max(0, min(limit, window_end + MAX_BORROW_MS) - window_end)
        result.append(Slot(cue.start, max(0, window_end - cue.start), borrowable))
    return result


def check_speeds(comfortable: float, max_speed: float) -> None:
    if not 1.0 <= comfortable <= max_speed <= 4.0:
        raise OptionError(f"speeds must satisfy 1.0 <= comfortable ({comfortable}) <= max ({max_speed}) <= 4.0")


def plan(natural: int, slot: Slot, comfortable: float = 1.15, max_speed: float = 1.3) -> Fit:
    """Pick the gentlest speed and the least borrowed silence that fit ``natural`` ms into ``slot``."""
    check_speeds(comfortable, max_speed)
    window = max(1, slot.window - SAFETY_MS)
    room = window + slot.borrowable

    def fit(speed: float, borrowed: int = 0, overflow: int = 0) -> Fit:
        return Fit(round(speed, 4), borrowed, overflow, comfortable)

    if natural <= window:
        return fit(1.0)
    if natural <= window * comfortable:
        return fit(natural / window)
    if natural <= room * comfortable:
        return fit(comfortable, borrowed=min(slot.borrowable, round(natural / comfortable) - window))
    if natural <= room * max_speed:
        return fit(natural / room, borrowed=slot.borrowable)
    return fit(max_speed, borrowed=slot.borrowable, overflow=math.ceil(natural / max_speed) - room)  # >= 1 here


def trim_silence(audio: np.ndarray, sample_rate: int, floor_db: float = SILENCE_DB) -> np.ndarray:
    """Cut leading and trailing silence (5 ms frames quieter than ``floor_db`` under the loudest)."""
    frame = max(1, sample_rate // 200)
    count = len(audio) // frame
    if count == 0:
        return audio[:0]
    rms = np.sqrt(np.mean(audio[: count * frame].reshape(count, frame) ** 2, axis=1))
    loud = np.flatnonzero(rms > max(rms.max() * 10 ** (floor_db / 20), 1e-5))
    if len(loud) == 0:
        return audio[:0]
    return audio[loud[0] * frame : (loud[-1] + 1) * frame]


def stretch(audio: np.ndarray, sample_rate: int, speed: float) -> np.ndarray:
    """Speed ``audio`` up by ``speed`` keeping its pitch (ffmpeg rubberband, else atempo)."""
    if speed == 1.0 or len(audio) == 0:
        return audio
    name = stretcher()
    cmd = [
        require_tool("ffmpeg"),
        "-nostdin",
        "-v",
        "error",
        "-f",
        "f32le",
        "-ar",
        str(sample_rate),
        "-ac",
        "1",
        "-i",
        "-",
        "-af",
        f"{name}=tempo={speed:.4f}",
        "-f",
        "f32le",
        "-",
    ]
    result = processes.run(cmd, input=audio.astype(np.float32).tobytes())
    if result.returncode != 0:
        raise ModelError(f"time-stretch failed: {result.stderr.decode(errors='replace').strip()[-200:]}")
    return np.frombuffer(result.stdout, dtype=np.float32).copy()


@functools.lru_cache(maxsize=1)
def _has_rubberband() -> bool:
    result = processes.run([require_tool("ffmpeg"), "-hide_banner", "-filters"], text=True)
    return " rubberband " in result.stdout


def stretcher() -> str:
    """The time-stretch filter in use (for reports)."""
    return "rubberband" if _has_rubberband() else "atempo"
