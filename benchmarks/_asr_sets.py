"""Harder speech sets made in numpy from clean eval clips (for benchmarks/asr.py's ablation): joined
turns of several speakers, clips under noise, and meeting-room talk (overlap, reverb, babble)."""

from __future__ import annotations

import numpy as np

SNR_DB = 5
Clip = tuple[str, np.ndarray, str]  # name, 16 kHz audio, reference


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    noise = np.resize(noise, speech.shape)
    gain = np.sqrt(np.mean(speech**2) / (np.mean(noise**2) * 10 ** (snr_db / 10)))
    return (speech + gain * noise).astype(np.float32)


def music(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """Chords of harmonics changing every half second, with a little hiss."""
    t = np.arange(int(seconds * 16000)) / 16000
    out = np.zeros_like(t)
    for start in np.arange(0, seconds, 0.5):
        part = (t >= start) & (t < start + 0.5)
        for root in rng.choice([220.0, 261.6, 329.6, 392.0, 440.0], 3):
            out[part] += sum(np.sin(2 * np.pi * root * k * t[part]) / k for k in (1, 2, 3))
    return (out + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


def joined(clips: list[Clip], language: str, rng: np.random.Generator) -> list[Clip]:
    """Two clips of 2-3 speakers each, joined with 0.3-1.5 s pauses over faint noise (40 dB below)."""
    glue = "" if language == "zh" else " "
    out = []
    for first in range(min(2, len(clips))):
        picked = [clips[(first + k) % len(clips)] for k in range(min(3, len(clips)))]
        parts = [p for _, audio, _ in picked for p in (audio, np.zeros(int(16000 * rng.uniform(0.3, 1.5)), np.float32))]
        audio = np.concatenate(parts)
        audio = mix(audio, rng.standard_normal(audio.size).astype(np.float32), 40)
        out.append(("+".join(n.split(".")[0][:12] for n, _, _ in picked), audio, glue.join(r for _, _, r in picked)))
    return out


def noisy(clips: list[Clip], language: str, rng: np.random.Generator) -> list[Clip]:
    """Each clip under babble (the others reversed, zh) or music (en) at ``SNR_DB``."""
    return [
        (name, mix(audio, _noise(clips, i, language, rng), SNR_DB), ref) for i, (name, audio, ref) in enumerate(clips)
    ]


def _noise(clips: list[Clip], i: int, language: str, rng: np.random.Generator) -> np.ndarray:
    """Babble of the clips other than ``i``, reversed (zh), or music (en), as long as clip ``i``."""
    size = clips[i][1].size
    if language != "zh":
        return music(size / 16000, rng)
    others = [a[::-1] for j, (_, a, _) in enumerate(clips) if j != i] or [clips[i][1][::-1]]
    return sum(np.resize(a, size) for a in others)


def reverb(audio: np.ndarray, rng: np.random.Generator, rt60: float = 0.5) -> np.ndarray:
    """``audio`` in a room: a direct path plus exponentially decaying noise (60 dB down after ``rt60`` s)."""
    t = np.arange(int(rt60 * 16000)) / 16000
    rir = 0.3 * rng.standard_normal(t.size) * np.exp(-6.9 * t / rt60)
    rir[0] = 1.0
    size = audio.size + rir.size - 1
    wet = np.fft.irfft(np.fft.rfft(audio, size) * np.fft.rfft(rir, size), size)[: audio.size]
    return (wet * np.sqrt(np.mean(audio**2) / max(np.mean(wet**2), 1e-12))).astype(np.float32)


def meeting(clips: list[Clip], language: str, rng: np.random.Generator) -> list[Clip]:
    """Talk as in a meeting room: the joined turns with gaps of -0.2 (overlap) to 0.4 s, each speaker
    at its own distance (0 to -6 dB, room reverb), under babble (zh) or music (en) at 15 dB."""
    glue = "" if language == "zh" else " "
    out = []
    for first in range(min(2, len(clips))):
        picked = [clips[(first + k) % len(clips)] for k in range(min(3, len(clips)))]
        turns = [reverb(a, rng) * 10 ** (-rng.uniform(0, 6) / 20) for _, a, _ in picked]
        starts = np.cumsum([0] + [t.size + int(16000 * rng.uniform(-0.2, 0.4)) for t in turns[:-1]])
        audio = np.zeros(starts[-1] + turns[-1].size, np.float32)
        for start, turn in zip(starts, turns):
            audio[start : start + turn.size] += turn
        names = {n for n, _, _ in picked}
        talk = [("", audio, "")] + [c for c in clips if c[0] not in names]
        audio = mix(audio, _noise(talk, 0, language, rng), 15)
        out.append(("+".join(n.split(".")[0][:12] for n, _, _ in picked), audio, glue.join(r for _, _, r in picked)))
    return out
