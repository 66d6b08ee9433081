"""Write the dub: WAV, FLAC or AAC by extension (muxing into MP4/MKV: :mod:`localize.delivery.muxing`)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import soundfile

from localize.delivery import AAC_BITRATE
from localize.errors import InputError
from localize.media import media_arg, run_ffmpeg

AUDIO_FORMATS = {".wav": "WAV", ".flac": "FLAC", ".m4a": "AAC"}
LOSSY = {".m4a"}


def check_audio_output(path: Path) -> None:
    if path.suffix.lower() not in AUDIO_FORMATS:
        raise InputError(f"{path}: unsupported audio output; use one of {', '.join(AUDIO_FORMATS)}")


def write_audio(path: Path, audio: np.ndarray, sample_rate: int, suffix: str | None = None) -> None:
    """Write mono float audio to ``path``; ``suffix`` (default: the path's) picks the format."""
    kind = AUDIO_FORMATS[(suffix or path.suffix).lower()]
    if kind in ("WAV", "FLAC"):
        soundfile.write(path, audio, sample_rate, subtype="PCM_24", format=kind)
    else:
        with tempfile.TemporaryDirectory(prefix="localize-aac-") as tmp:
            wav = Path(tmp) / "dub.wav"
            soundfile.write(wav, audio, sample_rate, subtype="FLOAT")
            run_ffmpeg(
                ["-i", media_arg(wav), "-c:a", "aac", "-b:a", AAC_BITRATE, "-f", "ipod", media_arg(path)],
                "AAC encoding",
            )
