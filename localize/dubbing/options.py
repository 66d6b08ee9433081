"""What :func:`localize.dubbing.dub` is told: voices, fit and loudness, and the muxed video."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from localize.errors import OptionError
from localize.validate import PATH_TYPES, check_fields, shown


@dataclass(frozen=True)
class VoiceOptions:
    """Who speaks with which voice.

    Each speaker gets ``voices[speaker]``, else a distinct automatic voice
    (:mod:`localize.dubbing.cast`; ``auto_voices=False``: ``voice`` or the language's default
    instead). ``title``: the title folder whose speaker registry and ``speakers.toml`` (voices
    for ``market``, genders, names) keep each character's voice across episodes.
    """

    voice: str | None = None
    voices: Mapping[str, str] = field(default_factory=dict)
    auto_voices: bool = True
    title: str | Path | None = None
    market: str | None = None

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class MixOptions:
    """How each line fits its slot and how loud the mix is.

    ``dialogue_gated`` (default: only for the -27 LUFS Netflix target) measures loudness
    over the dubbed lines only. Lines are sped up to ``comfortable_speed`` before borrowing
    silence, never past ``max_speed``.
    """

    loudness: float = -16.0
    true_peak: float = -1.0
    dialogue_gated: bool | None = None
    max_speed: float = 1.3
    comfortable_speed: float = 1.15

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True)
class MuxOptions:
    """The video written with the dub: ``output`` (.mp4/.mkv), more ``subtitles`` tracks as
    (file, language), and ``original_language`` to tag the kept original audio with
    (default: ``track.source_language``, set by translation)."""

    output: str | Path
    subtitles: Sequence[tuple[str | Path, str]] = ()
    original_language: str | None = None

    def __post_init__(self) -> None:
        check_fields(self)
        for item in self.subtitles:
            if not (isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], PATH_TYPES)):
                raise OptionError(f"MuxOptions.subtitles: each item must be a (file, language) pair, got {shown(item)}")
