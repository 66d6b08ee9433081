"""Dub stage: per-line synthesis fitted to its slot, mixed at a delivery loudness."""
from localize.dubbing.cast import cast_speakers
from localize.dubbing.stage import DubReport, LineReport, dub
from localize.dubbing.voices import Voice, available_voices, default_voice, resolve_voice

__all__ = ["DubReport", "LineReport", "Voice", "available_voices", "cast_speakers", "default_voice", "dub", "resolve_voice"]
