"""Voice activity: where the speech is in 16 kHz mono audio (Silero VAD, as faster-whisper ships it)."""

from __future__ import annotations

import numpy as np

from localize.media import SAMPLE_RATE

SAMPLES_PER_MS = SAMPLE_RATE // 1000


def speech_only(audio: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Audio cut to Silero-VAD speech, and (offset in cut audio, offset in original) pairs in samples."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    chunks = get_speech_timestamps(audio, VadOptions())
    mapping, kept, pieces = [], 0, []
    for chunk in chunks:
        mapping.append((kept, chunk["start"]))
        pieces.append(audio[chunk["start"] : chunk["end"]])
        kept += chunk["end"] - chunk["start"]
    return (np.concatenate(pieces) if pieces else np.zeros(0, np.float32)), mapping


def speech_clips(audio: np.ndarray, min_silence_ms: int = 700, pad_ms: int = 400) -> list[tuple[int, int]]:
    """(start, end) in ms of stretches of speech split at pauses of ``min_silence_ms``, each under 30 s."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(
        min_silence_duration_ms=min_silence_ms, speech_pad_ms=pad_ms, max_speech_duration_s=30 - 2 * pad_ms / 1000
    )
    return [(c["start"] // SAMPLES_PER_MS, c["end"] // SAMPLES_PER_MS) for c in get_speech_timestamps(audio, vad)]


def speech_regions(audio: np.ndarray, pad_ms: int = 30) -> list[tuple[int, int]]:
    """(start, end) in ms of the voiced parts of 16 kHz ``audio``, tightly padded."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    chunks = get_speech_timestamps(audio, VadOptions(speech_pad_ms=pad_ms, min_silence_duration_ms=100))
    return [(c["start"] // SAMPLES_PER_MS, c["end"] // SAMPLES_PER_MS) for c in chunks]
