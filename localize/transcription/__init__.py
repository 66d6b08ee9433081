"""Transcribe stage: speech in any audio or video file to cues with word timings, offline.

>>> from localize.transcription import transcribe
>>> track = transcribe("episode.mp4", language="zh", glossary=["林晚", "陆景琛"])
>>> track = transcribe("episode.mp4", options=TranscriptionOptions(model="small", beam_size=1),
...                    speakers=SpeakerOptions("auto", title="my-title"))
"""

from localize.chinese import to_script
from localize.language import AUTO_LANGUAGES
from localize.transcription.core import transcribe
from localize.transcription.engines import (
    ENGINES,
    DecodeOptions,
    Engine,
    engine_fingerprint,
    load_engine,
    register_engine,
)
from localize.transcription.models import (
    BASE_SHA256,
    ResolvedModel,
    assemble_base,
    convert_to_openai,
    list_models,
    resolve_model,
)
from localize.transcription.options import SpeakerOptions, TranscriptionOptions
from localize.transcription.segment import CueRules, words_to_cues

__all__ = [
    "AUTO_LANGUAGES",
    "BASE_SHA256",
    "ENGINES",
    "CueRules",
    "DecodeOptions",
    "Engine",
    "ResolvedModel",
    "SpeakerOptions",
    "TranscriptionOptions",
    "assemble_base",
    "convert_to_openai",
    "engine_fingerprint",
    "list_models",
    "load_engine",
    "register_engine",
    "resolve_model",
    "to_script",
    "transcribe",
    "words_to_cues",
]
