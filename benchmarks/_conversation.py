"""A conversation assembled from ../shared/eval clips of different real speakers (for speakers.py).

Clips are read from the eval folder (never copied), resampled to 16 kHz, joined with
short pauses; JFK is cut in two so one speaker comes back, and the two AISHELL clips
of speaker S0764 are the same speaker. Reference speech is each clip's voiced frames
(20 ms frames above 3% of the clip's peak RMS, gaps under 300 ms bridged), labelled
with the clip's speaker.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
RATE = 16000
GAP_MS = 350
#: (file, speaker, first s, last s or None)
CLIPS = [
    ("audio_en/jfk.flac", "jfk", 0.0, 5.2),
    ("audio_zh/aishell1_BAC009S0764W0121.wav", "aishell-S0764", 0.0, None),
    ("audio_en/librispeech_1995-1837-0001.wav", "librispeech-1995", 0.0, None),
    ("audio_zh/aishell1_BAC009S0724W0121.wav", "aishell-S0724", 0.0, None),
    ("audio_zh/aishell1_BAC009S0764W0122.wav", "aishell-S0764", 0.0, None),
    ("audio_zh/paddlespeech_zh.wav", "paddlespeech", 0.0, None),
    ("audio_en/jfk.flac", "jfk", 5.2, None),
    ("audio_zh/funasr_asr_example.wav", "funasr", 0.0, None),
]


def available() -> bool:
    return all((EVAL / name).is_file() for name, *_ in CLIPS)


def conversation() -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """(16 kHz mono audio, reference turns (start ms, end ms, speaker))."""
    from localize.media import load_audio

    pieces, reference, at = [], [], 0
    gap = np.zeros(RATE * GAP_MS // 1000, np.float32)
    for name, speaker, first, last in CLIPS:
        audio = load_audio(EVAL / name)
        clip = audio[int(first * RATE):None if last is None else int(last * RATE)]
        reference += [(at + a, at + b, speaker) for a, b in voiced(clip)]
        pieces += [clip, gap]
        at += (len(clip) + len(gap)) * 1000 // RATE
    return np.concatenate(pieces), reference


def voiced(clip: np.ndarray, frame_ms: int = 20, bridge_ms: int = 300) -> list[tuple[int, int]]:
    """(start, end) ms of the voiced parts of one clean clip, by frame energy."""
    size = RATE * frame_ms // 1000
    frames = clip[: len(clip) // size * size].reshape(-1, size)
    rms = np.sqrt((frames**2).mean(axis=1))
    loud = rms > 0.03 * rms.max()
    spans: list[list[int]] = []
    for index in np.flatnonzero(loud):
        start = int(index) * frame_ms
        if spans and start - spans[-1][1] < bridge_ms:
            spans[-1][1] = start + frame_ms
        else:
            spans.append([start, start + frame_ms])
    return [(a, b) for a, b in spans]
