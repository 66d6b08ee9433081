"""Mix the placed dub over the ducked original (or an M&E bed) and normalize its loudness.

Loudness is ITU-R BS.1770-4 integrated loudness (pyloudnorm). True peak is measured on a
4x oversampled signal (polyphase FIR, as BS.1770-4 Annex 2 describes). The normalizer
applies gain to the target, then a look-ahead peak limiter whenever the true peak would
pass the ceiling, and repeats until both hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

SAMPLE_RATE = 48_000
DUCK_DB = 20.0  # the original sits this far under the dub (>= 18 dB; WCAG 1.4.7 says 20)
RAMP_MS = 150  # raised-cosine ramp into and out of each ducked region
MERGE_MS = 500  # dialogue regions closer than this are ducked as one (no pumping)
LIMITER_WINDOW_MS = 10  # look-ahead and hold of the peak limiter
MIN_BLOCK_S = 0.4  # BS.1770 gating block

Region = tuple[int, int]  # [start, end) in samples


@dataclass(frozen=True)
class Loudness:
    """What was measured after normalization: the gated measure, the whole programme, true peak."""

    integrated: float | None
    program: float | None
    true_peak: float | None


def place(lines: Sequence[tuple[int, np.ndarray]], length: int) -> np.ndarray:
    """Sum each line into silence of ``length`` samples at its start sample (overflows add up)."""
    out = np.zeros(length, dtype=np.float32)
    for start, audio in lines:
        part = audio[: max(0, length - start)]
        out[start : start + len(part)] += part
    return out


def merge(regions: Sequence[Region], gap: int) -> list[Region]:
    """Sorted regions with those closer than ``gap`` samples joined."""
    merged: list[Region] = []
    for start, end in sorted(regions):
        if merged and start - merged[-1][1] < gap:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def duck_gain(
    regions: Sequence[Region],
    length: int,
    sample_rate: int = SAMPLE_RATE,
    depth_db: float = DUCK_DB,
    ramp_ms: int = RAMP_MS,
) -> np.ndarray:
    """Gain curve: ``-depth_db`` inside dialogue regions, 0 dB elsewhere, raised-cosine ramps outside them."""
    ramp = max(1, sample_rate * ramp_ms // 1000)
    shape = 0.5 - 0.5 * np.cos(np.pi * np.arange(1, ramp + 1) / (ramp + 1))  # rises from 0 towards 1
    amount = np.zeros(length)
    for start, end in merge(regions, sample_rate * MERGE_MS // 1000):
        start, end = max(0, start), min(length, end)
        amount[start:end] = 1.0
        before = slice(max(0, start - ramp), start)
        after = slice(end, min(length, end + ramp))
        amount[before] = np.maximum(amount[before], shape[ramp - (before.stop - before.start) :])
        amount[after] = np.maximum(amount[after], shape[::-1][: after.stop - after.start])
    return (10 ** (-depth_db * amount / 20)).astype(np.float32)


def fit_length(audio: np.ndarray, length: int) -> np.ndarray:
    """Trim or pad with silence to exactly ``length`` samples."""
    if len(audio) >= length:
        return audio[:length]
    return np.concatenate([audio, np.zeros(length - len(audio), dtype=audio.dtype)])


def true_peak(audio: np.ndarray) -> float:
    """True peak in dBTP: the sample peak of the signal oversampled 4x."""
    if len(audio) == 0:
        return float("-inf")
    peak = float(np.max(np.abs(resample_poly(audio, 4, 1))))
    peak = max(peak, float(np.max(np.abs(audio))))
    return float(20 * np.log10(peak)) if peak > 0 else float("-inf")


def integrated_loudness(
    audio: np.ndarray, sample_rate: int = SAMPLE_RATE, regions: Sequence[Region] | None = None
) -> float:
    """BS.1770-4 integrated loudness in LUFS; with ``regions``, measured on those spans only (dialogue gate)."""
    if regions is not None:
        parts = [audio[max(0, s) : e] for s, e in merge(regions, 1)]
        audio = np.concatenate(parts) if parts else audio[:0]
    minimum = int(MIN_BLOCK_S * sample_rate) + 1
    if len(audio) < minimum:  # silent padding falls under the -70 LUFS absolute gate
        audio = fit_length(audio, minimum)
    with np.errstate(divide="ignore"):
        return float(pyloudnorm.Meter(sample_rate).integrated_loudness(audio.astype(np.float64)))


def limit(audio: np.ndarray, ceiling_db: float, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Look-ahead peak limiter: a smooth gain that never lets the true-peak envelope pass the ceiling.

    The required gain is min-filtered then box-averaged over the same window, which keeps
    it at or under the requirement at every sample while ramping over 2x the window.
    """
    oversampled = np.abs(resample_poly(audio, 4, 1))[: len(audio) * 4].reshape(len(audio), 4)
    envelope = np.maximum(oversampled.max(axis=1), np.abs(audio))
    needed = np.minimum(1.0, 10 ** (ceiling_db / 20) / np.maximum(envelope, 1e-12))
    size = 2 * (sample_rate * LIMITER_WINDOW_MS // 1000) + 1
    gain = uniform_filter1d(minimum_filter1d(needed, size, mode="nearest"), size, mode="nearest")
    return (audio * gain).astype(np.float32)


def normalize(
    audio: np.ndarray,
    target: float,
    ceiling: float,
    sample_rate: int = SAMPLE_RATE,
    regions: Sequence[Region] | None = None,
) -> tuple[np.ndarray, Loudness]:
    """Gain to ``target`` LUFS (gated on ``regions`` if given) with true peak at most ``ceiling`` dBTP."""
    audio, measured, _ = normalize_gain(audio, target, ceiling, sample_rate, regions)
    return audio, measured


def normalize_gain(
    audio: np.ndarray,
    target: float,
    ceiling: float,
    sample_rate: int = SAMPLE_RATE,
    regions: Sequence[Region] | None = None,
) -> tuple[np.ndarray, Loudness, float]:
    """:func:`normalize`, also giving the linear gain applied (the limiter aside)."""
    measured = integrated_loudness(audio, sample_rate, regions)
    if not np.isfinite(measured):
        return audio, Loudness(None, None, None), 1.0
    gain = 1.0
    for _ in range(8):
        step = 10 ** ((target - measured) / 20)
        audio, gain = (audio * step).astype(np.float32), gain * step
        if true_peak(audio) > ceiling - 0.1:
            audio = limit(audio, ceiling - 0.3, sample_rate)
        measured = integrated_loudness(audio, sample_rate, regions)
        if abs(measured - target) <= 0.1 and true_peak(audio) <= ceiling:
            break
    peak = true_peak(audio)
    if peak > ceiling:  # did not converge: keep the peak promise, give up loudness
        step = 10 ** ((ceiling - 0.05 - peak) / 20)
        audio, gain = (audio * step).astype(np.float32), gain * step
    return audio, measure(audio, sample_rate, regions), gain


def measure(audio: np.ndarray, sample_rate: int = SAMPLE_RATE, regions: Sequence[Region] | None = None) -> Loudness:
    """Integrated loudness (gated on ``regions`` if given), programme loudness and true peak."""
    program = integrated_loudness(audio, sample_rate)
    gated = integrated_loudness(audio, sample_rate, regions) if regions is not None else program
    return Loudness(round(gated, 2), round(program, 2), round(true_peak(audio), 2))
