"""Dub stage: per-line synthesis fitted to its slot, mixed at a delivery loudness.

>>> from localize.dubbing import MixOptions, VoiceOptions, dub
>>> dub(track, "ep01.en.wav", video="ep01.mp4", voice="espeak:en")
>>> dub(track, "ep01.en.m4a", video="ep01.mp4", voice=VoiceOptions(voices={"S1": "espeak:en-us"}),
...     mix=MixOptions(loudness=-23.0), mux="ep01.en.mp4")
"""

from localize.dubbing.cast import cast_speakers
from localize.dubbing.options import MixOptions, MuxOptions, VoiceOptions
from localize.dubbing.reports import DubReport, LineReport
from localize.dubbing.stage import dub, load_subtitles
from localize.dubbing.voices import (
    BACKENDS,
    Voice,
    available_voices,
    default_voice,
    register_tts,
    resolve_voice,
    voice_fingerprint,
)

__all__ = [
    "BACKENDS",
    "DubReport",
    "LineReport",
    "MixOptions",
    "MuxOptions",
    "Voice",
    "VoiceOptions",
    "available_voices",
    "cast_speakers",
    "default_voice",
    "dub",
    "load_subtitles",
    "register_tts",
    "resolve_voice",
    "voice_fingerprint",
]
