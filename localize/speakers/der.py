"""Diarization error rate (DER), NIST style, with a forgiveness collar.

DER = (missed speech + false alarm + speaker confusion) / reference speech time.
Label accuracy = reference speech time whose (mapped) hypothesis label is right /
reference speech time.
Scored on a 10 ms grid. Time within ``collar_ms`` (default 250 ms) either side of
every reference turn boundary is not scored. Hypothesis labels are mapped to
reference labels one to one so that matched speech time is largest (Hungarian
assignment, scipy). Overlapping speech is scored per speaker: a frame with two
reference speakers and one correct hypothesis speaker counts one missed speaker.
Checked against pyannote.metrics (``collar=0.5`` there, the total width): the same to
within 0.1 points on our benchmark data (docs/speakers.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

STEP_MS = 10


@dataclass
class DERResult:
    der: float
    missed: float  # each as a share of reference speech
    false_alarm: float
    confusion: float
    scored_ms: int  # reference speech time scored (outside the collars)
    accuracy: float  # label accuracy: share of scored reference speech whose mapped hypothesis label is right


def diarization_error_rate(
    reference: Sequence[tuple[int, int, str]], hypothesis: Sequence[tuple[int, int, str]], collar_ms: int = 250
) -> DERResult:
    """DER of ``hypothesis`` against ``reference`` turns, each (start ms, end ms, speaker)."""
    end = max([e for _, e, _ in list(reference) + list(hypothesis)], default=0)
    frames = end // STEP_MS + 1
    ref, ref_names = _activity(reference, frames)
    hyp, _ = _activity(hypothesis, frames)
    scored = ~_collar_mask(reference, frames, collar_ms)
    ref, hyp = ref[:, scored], hyp[:, scored]
    n_ref, n_hyp = ref.sum(axis=0), hyp.sum(axis=0)
    correct = _mapped_overlap(ref, hyp)
    total = max(int(n_ref.sum()), 1)
    missed = np.maximum(n_ref - n_hyp, 0).sum()
    false_alarm = np.maximum(n_hyp - n_ref, 0).sum()
    confusion = np.minimum(n_ref, n_hyp).sum() - correct
    return DERResult(
        float(missed + false_alarm + confusion) / total,
        float(missed) / total,
        float(false_alarm) / total,
        float(confusion) / total,
        int(n_ref.sum()) * STEP_MS,
        correct / total,
    )


def _activity(turns: Iterable[tuple[int, int, str]], frames: int) -> tuple[np.ndarray, list[str]]:
    turns = list(turns)
    names = list(dict.fromkeys(speaker for _, _, speaker in turns))
    active = np.zeros((max(len(names), 1), frames), bool)
    for start, end, speaker in turns:
        active[names.index(speaker), start // STEP_MS : end // STEP_MS] = True
    return active, names


def _collar_mask(reference: Iterable[tuple[int, int, str]], frames: int, collar_ms: int) -> np.ndarray:
    mask = np.zeros(frames, bool)
    for start, end, _ in reference:
        for edge in (start, end):
            mask[max(0, (edge - collar_ms) // STEP_MS) : (edge + collar_ms) // STEP_MS] = True
    return mask


def _mapped_overlap(ref: np.ndarray, hyp: np.ndarray) -> int:
    """Frames where a reference speaker is matched by its mapped hypothesis speaker (best mapping)."""
    from scipy.optimize import linear_sum_assignment

    overlap = ref.astype(np.int64) @ hyp.T.astype(np.int64)
    rows, cols = linear_sum_assignment(-overlap)
    return int(overlap[rows, cols].sum())
