"""localize: turn a Chinese or English short-form drama episode into versions for other markets.

The chain, one subpackage a stage, each usable on its own::

    import localize
    track = localize.transcribe("ep01.mp4", language="zh")      # Whisper
    english = localize.translate(track, "en", glossaries=["names.csv"])
    timed = localize.retime(english, "en-vertical", shots=localize.detect_shots("ep01.mp4"))
    localize.save(timed, "ep01.en.srt")
    localize.dub(timed, "ep01.en.wav", video="ep01.mp4")

Stage functions are imported on first use, so ``import localize`` stays light. Every
mistake is a :class:`LocalizeError`: :class:`InputError` (an argument or file),
:class:`ConfigError` (a profile, market, glossary or setting), :class:`ModelError` (a
model or tool); a wrong argument type is an :class:`InputError` naming the argument, a wrong
setting (an options field, ``cover=``, a keyword the function does not take) an
:class:`OptionError`, which is both an InputError and a ConfigError.
"""

from __future__ import annotations

import importlib
from typing import Any

from localize.errors import ConfigError, InputError, LocalizeError, ModelError, OptionError
from localize.formats import load, save
from localize.model import Cue, Track, Word

__version__ = "0.1.0"

_LAZY = {
    "transcribe": "localize.transcription",
    "TranscriptionOptions": "localize.transcription",
    "SpeakerOptions": "localize.transcription",
    "translate": "localize.translation",
    "TranslationOptions": "localize.translation",
    "load_glossaries": "localize.translation",
    "detect_shots": "localize.timing",
    "read_shots": "localize.timing",
    "load_profile": "localize.timing",
    "retime": "localize.timing",
    "check": "localize.timing",
    "dub": "localize.dubbing",
    "VoiceOptions": "localize.dubbing",
    "MixOptions": "localize.dubbing",
    "MuxOptions": "localize.dubbing",
    "diarize": "localize.speakers",
    "burn": "localize.delivery",
    "run_episode": "localize.pipeline",
    "RunOptions": "localize.pipeline",
    "rerender": "localize.pipeline",
    "batch": "localize.pipeline",
    "load_edits": "localize.review",
    "apply_edits": "localize.review",
    "export_xliff": "localize.review.xliff",
    "import_xliff": "localize.review.xliff_import",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip this hook
        return value
    raise AttributeError(f"module 'localize' has no attribute '{name}'")


__all__ = [
    "ConfigError",
    "Cue",
    "InputError",
    "LocalizeError",
    "ModelError",
    "OptionError",
    "Track",
    "Word",
    "load",
    "save",
    *_LAZY,
]
