"""Per-line dub cache: a folder of WAVs, so a re-dub synthesizes only the lines whose text or voice changed.

Two kinds of entry, each one float32 WAV (the samples exactly as computed), written atomically
and named by a SHA-256 key:

- a synthesized line: key of its text, the voice's fingerprint (its spec and
  :func:`~localize.dubbing.voices.voice_fingerprint`: backend, package version, the Piper
  model file's hash or espeak-ng's version) and the mix rate;
- a fitted line: key of the synthesized line and the speed it is stretched to (with the
  stretcher's name); lines played as is (speed 1.0) need none.

A slot that changes without changing the line's speed costs nothing; a new speed costs one
stretch, no synthesis. The folder is shared safely by episodes and markets (entries are
content-addressed) and may be deleted at any time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile

from localize.dubbing.voices import Voice, voice_fingerprint
from localize.fileio import atomic_path

CACHE_VERSION = 1


class LineCache:
    """Synthesized and fitted lines in ``folder`` (None: no cache, every line computed).

    ``synthesized`` and ``reused`` count lines synthesized and lines read from the folder.
    """

    def __init__(self, folder: str | Path | None, sample_rate: int) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.sample_rate = sample_rate
        self.synthesized = 0
        self.reused = 0

    def line(self, voice: Voice, text: str, synthesize: Callable[[Voice, str], np.ndarray]) -> tuple[str, np.ndarray]:
        """(key, samples) of ``text`` spoken by ``voice``: from the folder, else ``synthesize(voice, text)``."""
        key = _key({"text": text, "voice": fingerprint(voice), "rate": self.sample_rate})
        cached = self._read(key)
        if cached is not None:
            self.reused += 1
            return key, cached
        audio = synthesize(voice, text)
        self.synthesized += 1
        self._write(key, audio)
        return key, audio

    def fitted(
        self, key: str, audio: np.ndarray, speed: float, stretcher: str, fit: Callable[[np.ndarray, float], np.ndarray]
    ) -> np.ndarray:
        """Line ``key`` (``audio``) at ``speed``: from the folder, else ``fit(audio, speed)``."""
        if speed == 1.0:
            return fit(audio, speed)
        fitted_key = _key({"line": key, "speed": speed, "stretcher": stretcher})
        cached = self._read(fitted_key)
        if cached is not None:
            return cached
        result = fit(audio, speed)
        self._write(fitted_key, result)
        return result

    def stats(self) -> dict[str, int]:
        return {"synthesized": self.synthesized, "reused": self.reused}

    def _path(self, key: str) -> Path:
        assert self.folder is not None
        return self.folder / key[:2] / f"{key}.wav"

    def _read(self, key: str) -> np.ndarray | None:
        if self.folder is None or not self._path(key).is_file():
            return None
        try:
            audio, rate = soundfile.read(self._path(key), dtype="float32")
        except (OSError, RuntimeError, soundfile.LibsndfileError):
            return None  # unreadable (a foreign file): computed again and overwritten
        return audio if rate == self.sample_rate and audio.ndim == 1 else None

    def _write(self, key: str, audio: np.ndarray) -> None:
        if self.folder is None:
            return
        with atomic_path(self._path(key)) as tmp:
            soundfile.write(tmp, audio, self.sample_rate, subtype="FLOAT", format="WAV")


def fingerprint(voice: Voice) -> dict[str, object]:
    """What a voice's samples depend on besides the text: its spec, backend, package version and model."""
    return {"spec": voice.spec, **voice_fingerprint(voice.spec)}


def _key(data: dict[str, object]) -> str:
    text = json.dumps({"version": CACHE_VERSION, **data}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
