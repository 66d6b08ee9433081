"""Dub stage: per-line synthesis fitted to its slot, mixed at a delivery loudness."""
from localize.dubbing.stage import DubReport, LineReport, dub
from localize.dubbing.voices import (
    BACKENDS, Voice, available_voices, default_voice, register_tts, resolve_voice, voice_fingerprint,
)

__all__ = ["BACKENDS", "DubReport", "LineReport", "Voice", "available_voices", "default_voice", "dub", "register_tts",
           "resolve_voice", "voice_fingerprint"]
