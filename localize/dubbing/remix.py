"""Re-mix after an edit: only the samples the changed lines touch are computed again.

Normalization is global (one gain for the whole mix), so a new line would move every sample
by a little. Instead, the last normalized mix of a dub (same background, length, targets and
language) is kept in the line cache with its gain and its lines; the next mix takes the old
samples wherever nothing changed (no line added, removed, moved or re-spoken there, the same
ducking), and computes the rest at the old gain, through the same limiter. The result is kept
if its loudness is within :data:`TOLERANCE_LU` of the target (EBU R128's tolerance for
file-based programmes) and its true peak under the ceiling; else the whole mix is normalized
again (every sample changes a little) and the report says so.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from localize.dubbing import mix
from localize.fileio import atomic_path, write_text_atomic

TOLERANCE_LU = 0.5
MARGIN = 4096  # samples of context around a changed span for the limiter (its support is ~2 x 961)
LineId = tuple[int, int, str]  # start sample, length, SHA-1 of the samples


@dataclass
class Previous:
    """The last normalized mix kept for a key: its samples, gain, lines and ducked regions."""

    audio: np.ndarray
    gain: float
    lines: set[LineId]
    regions: list[mix.Region]


class MixMemory:
    """The last mix for ``identity`` (what must match for its samples to be reused), in ``folder``/mixes."""

    def __init__(self, folder: str | Path, identity: dict[str, Any]) -> None:
        key = hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()
        self.wav = Path(folder) / "mixes" / f"{key}.wav"
        self.state = self.wav.with_suffix(".json")

    def load(self) -> Previous | None:
        if not (self.wav.is_file() and self.state.is_file()):
            return None
        state = json.loads(self.state.read_text(encoding="utf-8"))
        audio, _ = soundfile.read(self.wav, dtype="float32")
        if _digest(audio) != state["digest"]:
            return None  # written by an interrupted run: not the mix the state describes
        return Previous(
            audio, state["gain"], {tuple(line) for line in state["lines"]}, [tuple(r) for r in state["regions"]]
        )

    def save(self, audio: np.ndarray, gain: float, lines: Sequence[LineId], regions: Sequence[mix.Region]) -> None:
        with atomic_path(self.wav) as tmp:
            soundfile.write(tmp, audio, mix.SAMPLE_RATE, subtype="FLOAT", format="WAV")
        state = {
            "gain": gain,
            "digest": _digest(audio),
            "lines": [list(line) for line in lines],
            "regions": [list(map(int, r)) for r in regions],
        }
        write_text_atomic(self.state, json.dumps(state))


def normalize(
    raw: np.ndarray,
    lines: Sequence[tuple[int, np.ndarray]],
    regions: Sequence[mix.Region],
    target: float,
    ceiling: float,
    gate: Sequence[mix.Region] | None,
    memory: MixMemory | None,
) -> tuple[np.ndarray, mix.Loudness, str]:
    """:func:`mix.normalize` of ``raw`` (the placed ``lines`` over the background ducked under ``regions``),
    spliced into the remembered mix when it can be; the third value says which: "spliced" or "normalized"."""
    ids = [line_id(start, audio) for start, audio in lines]
    previous = memory.load() if memory is not None else None
    if previous is not None and len(previous.audio) == len(raw):
        spliced = _splice(raw, ids, regions, previous, ceiling)
        measured = mix.measure(spliced, mix.SAMPLE_RATE, gate)
        if (
            measured.integrated is not None
            and abs(measured.integrated - target) <= TOLERANCE_LU
            and (measured.true_peak or 0.0) <= ceiling
        ):
            if memory is not None:
                memory.save(spliced, previous.gain, ids, regions)
            return spliced, measured, "spliced"
    audio, measured, gain = mix.normalize_gain(raw, target, ceiling, mix.SAMPLE_RATE, gate)
    if memory is not None:
        memory.save(audio, gain, ids, regions)
    return audio, measured, "normalized"


def changed_samples(
    ids: Sequence[LineId], regions: Sequence[mix.Region], previous: Previous, length: int
) -> np.ndarray:
    """Where the unnormalized mix differs from the previous one: lines in one and not the other, other ducking."""
    changed = np.zeros(length, dtype=bool)
    for start, size, _ in previous.lines.symmetric_difference(ids):
        changed[max(0, start) : start + size] = True
    if sorted(previous.regions) != sorted(regions):
        changed |= mix.duck_gain(previous.regions, length) != mix.duck_gain(regions, length)
    return changed


def line_id(start: int, audio: np.ndarray) -> LineId:
    return start, len(audio), hashlib.sha1(np.ascontiguousarray(audio, dtype=np.float32).tobytes()).hexdigest()


def _splice(
    raw: np.ndarray, ids: Sequence[LineId], regions: Sequence[mix.Region], previous: Previous, ceiling: float
) -> np.ndarray:
    changed = changed_samples(ids, regions, previous, len(raw))
    result = previous.audio.copy()
    for start, end in _spans(changed):
        lo, hi = max(0, start - MARGIN), min(len(raw), end + MARGIN)
        part = (raw[lo:hi] * previous.gain).astype(np.float32)
        if mix.true_peak(part) > ceiling - 0.1:
            part = mix.limit(part, ceiling - 0.3)
        result[start:end] = part[start - lo : end - lo]
    return result


def _spans(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of each run of True in ``mask``."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _digest(audio: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(audio, dtype=np.float32).tobytes()).hexdigest()
