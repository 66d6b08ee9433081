"""Conversations assembled from ../shared/eval clips of real speakers (for speakers.py).

The speakers are split in two parts that share no voice: ``TUNED`` (the encoder,
threshold and clustering are chosen on these) and ``HELD_OUT`` (only reported).
Each speaker's clips are read from the eval folder (never copied), resampled to
16 kHz and cut at pauses into turns of about :data:`TURN_MS`. A conversation takes
three (or four) speakers and alternates their turns ``A B A C B A ...`` with short
pauses, so one speaker comes back several times, like a scene; turn levels vary over
15 dB (:data:`LEVELS_DB`), as voices near and far from one microphone do. Reference speech is
each turn's voiced frames (20 ms frames above 3% of the clip's peak RMS, gaps under
300 ms bridged), labelled with its speaker.
"""

from __future__ import annotations

import functools
import itertools
import os
from pathlib import Path

import numpy as np

EVAL = Path(
    os.environ.get("LOCALIZE_EVAL", Path(__file__).resolve().parents[2] / "shared" / "eval")
)  # env: a worktree elsewhere
RATE = 16000
GAP_MS = 300
TURN_MS = 2000
#: speaker -> clips; the two parts share no speaker
TUNED = {
    "jfk": ["audio_en/jfk.flac"],
    "librispeech-1995": ["audio_en/librispeech_1995-1837-0001.wav"],
    "aishell-S0764": ["audio_zh/aishell1_BAC009S0764W0121.wav", "audio_zh/aishell1_BAC009S0764W0122.wav"],
    "paddlespeech": ["audio_zh/paddlespeech_zh.wav"],
}
HELD_OUT = {
    "librispeech-nightfall": ["audio_en/librispeech_after_early_nightfall.wav"],
    "one-two-three": ["audio_en/speech_recognition_english.wav"],
    "aishell-S0724": ["audio_zh/aishell1_BAC009S0724W0121.wav"],
    "funasr": ["audio_zh/funasr_asr_example.wav"],
    "whisper-finetune": ["audio_zh/whisper_finetune_test.wav"],
}
PATTERN = "ABACBA"  # six turns, A comes back three times
#: each turn's speech level (RMS, dBFS), in turn: people near and far from one microphone
LEVELS_DB = (-24, -33, -21, -29, -26, -36, -23)
Turn = tuple[int, int, str]


def available(part: dict[str, list[str]]) -> bool:
    return all((EVAL / clip).is_file() for clips in part.values() for clip in clips)


def conversations(part: dict[str, list[str]]) -> list[tuple[str, np.ndarray, list[Turn]]]:
    """(name, 16 kHz audio, reference turns) for every three speakers of ``part`` and one of four."""
    names = sorted(part)
    groups = [list(g) for g in itertools.combinations(names, 3)] + [names[:4]]
    return [(" ".join(group), *assemble(group, part)) for group in groups]


def assemble(speakers: list[str], part: dict[str, list[str]]) -> tuple[np.ndarray, list[Turn]]:
    """The speakers' turns alternated by :data:`PATTERN` (the one with most turns is A), four
    speakers as ``A B A C B D A``; turns a speaker has run out of are skipped."""
    pieces = {who: list(turns(who, tuple(part[who]))) for who in speakers}
    order = sorted(speakers, key=lambda who: -len(pieces[who]))
    pattern = PATTERN if len(speakers) == 3 else "ABACBDA"
    audio, reference, at = [], [], 0
    gap = np.zeros(RATE * GAP_MS // 1000, np.float32)
    for number, letter in enumerate(pattern):
        who = order["ABCD".index(letter)]
        if not pieces[who]:
            continue
        clip = leveled(pieces[who].pop(0), LEVELS_DB[number % len(LEVELS_DB)])
        reference += [(at + a, at + b, who) for a, b in voiced(clip)]
        audio += [clip, gap]
        at += (len(clip) + len(gap)) * 1000 // RATE
    return np.concatenate(audio), reference


def leveled(clip: np.ndarray, level_db: float) -> np.ndarray:
    """``clip`` scaled so its voiced frames have RMS ``level_db`` dBFS."""
    voiced_audio = np.concatenate([clip[a * RATE // 1000 : b * RATE // 1000] for a, b in voiced(clip)])
    rms = float(np.sqrt(np.mean(voiced_audio**2))) + 1e-9
    return (clip * (10 ** (level_db / 20) / rms)).astype(np.float32)


@functools.cache
def turns(speaker: str, clips: tuple[str, ...]) -> list[np.ndarray]:
    """A speaker's clips cut at pauses into pieces of at least :data:`TURN_MS` (a short rest joins the last)."""
    from localize.media import load_audio

    out = []
    for clip in clips:
        audio = load_audio(EVAL / clip)
        spans = voiced(audio)
        start = max(0, spans[0][0] - 100)
        for (_, end), following in zip(spans, spans[1:] + [(None, None)]):
            if end - start >= TURN_MS and following[0] is not None:
                cut = (end + following[0]) // 2
                out.append(audio[start * RATE // 1000 : cut * RATE // 1000])
                start = cut
        rest = audio[start * RATE // 1000 : (spans[-1][1] + 100) * RATE // 1000]
        if out and len(rest) < RATE * TURN_MS // 2000:
            out[-1] = np.concatenate([out[-1], rest])
        else:
            out.append(rest)
    return out


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
