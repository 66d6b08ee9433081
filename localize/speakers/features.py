"""Log-mel filterbank features for the speaker encoder, in numpy (no librosa at run time).

The recipe matches what the bundled d-vector encoder was trained on: 16 kHz audio,
a 400-sample periodic Hamming window centred in a 512-point FFT, 160-sample hop, no
edge padding, power spectrum, 40 Slaney-scale mel bands with Slaney area
normalisation, log10 with a 1e-10 floor.
"""

from __future__ import annotations

import functools

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 512
WIN_LENGTH = 400
HOP = 160
N_MELS = 40


def log_mel(audio: np.ndarray) -> np.ndarray:
    """(frames, 40) log10 mel energies; frame ``i`` starts at sample ``i * 160``."""
    audio = np.ascontiguousarray(audio, dtype=np.float32)
    if len(audio) < N_FFT:
        audio = np.pad(audio, (0, N_FFT - len(audio)))
    count = 1 + (len(audio) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(audio, (count, N_FFT), (audio.strides[0] * HOP, audio.strides[0]))
    power = np.abs(np.fft.rfft(frames * _window(), axis=1)) ** 2
    return np.log10(power @ _mel_basis().T + 1e-10).astype(np.float32)


@functools.lru_cache(maxsize=1)
def _window() -> np.ndarray:
    n = np.arange(WIN_LENGTH)
    hamming = 0.54 - 0.46 * np.cos(2 * np.pi * n / WIN_LENGTH)  # periodic
    left = (N_FFT - WIN_LENGTH) // 2
    return np.pad(hamming, (left, N_FFT - WIN_LENGTH - left)).astype(np.float32)


def _hz_to_mel(hz: float | np.ndarray) -> np.ndarray:
    """Slaney's scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz * 3.0 / 200.0
    return np.where(hz >= 1000.0, 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0), linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)), mel * 200.0 / 3.0)


@functools.lru_cache(maxsize=1)
def _mel_basis() -> np.ndarray:
    """(40, 257) triangular filters, each normalised to unit area (Slaney)."""
    fft_hz = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    basis = np.maximum(0, np.minimum(lower, upper))
    basis *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return basis.astype(np.float32)
