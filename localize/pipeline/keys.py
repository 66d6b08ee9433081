"""What a run's results depend on: its input files, settings and tool versions (the episode key).

:func:`_inputs` records every input file by content; :func:`_strip_paths` drops the paths
from the key (moving a file elsewhere does not invalidate results); :func:`_versions` names
the tools, code and models that made the results. The stages' own cache keys are built
beside each stage (:mod:`localize.pipeline.run`, :mod:`localize.pipeline.deliver`).
"""

from __future__ import annotations

import functools
import platform
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from localize import processes
from localize.errors import OptionError
from localize.fileio import sha256_file
from localize.media import MediaInfo, check_input
from localize.pipeline.cache import code_version, hash_value
from localize.pipeline.markets import MarketProfile
from localize.pipeline.records import FileRecord, Inputs, MediaInput
from localize.validate import PATH_TYPES, as_items, as_options, check_fields

STAGE_PACKAGES = (
    "localize.transcription",
    "localize.translation",
    "localize.timing",
    "localize.dubbing",
    "localize.formats",
    "localize.hardsub",
    "localize.delivery",
    "localize.language",
    "localize.chinese",
    "localize.vad",
    "localize.imaging",
)
TOOL_PACKAGES = (
    "faster-whisper",
    "ctranslate2",
    "argostranslate",
    "scenedetect-headless",
    "piper-tts",
    "pyloudnorm",
    "rapidocr",
)


@dataclass(frozen=True)
class RunOptions:
    """How :func:`~localize.pipeline.run_episode` (and :func:`~localize.pipeline.batch`, for
    every episode) works; the defaults are the CLI's.

    ``language``: the source language ("auto" to detect); ``glossaries``: title-level glossary
    files added to each market's layers; ``model``/``engine``: the transcription model and
    engine; ``speakers`` ("off", "auto" or a count) labels speakers when transcribing;
    ``source``: where transcription reads the dialogue ("audio", "hardsub" for burned-in
    subtitles, or "auto"); ``shots``: a cut list file (else cuts are detected in the video);
    ``translate_engine``/``llm_model``: override each market's ``[translate]`` engine and
    model; ``context``: a synopsis file for the ``llm`` engine's prompt; ``cache_dir``: the
    stage cache (default ``OUT/.cache``); ``edits``: what a run does with delivered files a person
    changed since the last run: ``"keep"`` them (into the edit layers, delivered in every output)
    or ``"discard"`` them (moved into ``OUT/.edits-backup/``; see :mod:`localize.pipeline.edits`).
    """

    language: str = "auto"
    glossaries: Sequence[str | Path] = ()
    model: str | None = None
    engine: str = "faster-whisper"
    speakers: str | int = "off"
    source: str = "audio"
    shots: str | Path | None = None
    translate_engine: str | None = None
    llm_model: str | None = None
    context: str | Path | None = None
    cache_dir: str | Path | None = None
    edits: str = "keep"

    def __post_init__(self) -> None:
        """Fields of the annotated types; ``glossaries`` a tuple (one path given alone stands for itself)."""
        glossaries = as_items(self.glossaries, "RunOptions.glossaries", PATH_TYPES, error=OptionError)
        object.__setattr__(self, "glossaries", tuple(glossaries))
        check_fields(self)
        from localize.transcription.options import refuse_speakers_under_hardsub  # a stage: only when built

        refuse_speakers_under_hardsub(self.source, self.speakers)


def _checked(options: Any) -> RunOptions:
    """The options (the defaults for None)."""
    return as_options(options, RunOptions)


def _inputs(
    media: Path,
    info: MediaInfo,
    subs: str | Path | None,
    glossaries: Sequence[str | Path],
    shots: str | Path | None,
    context: str | Path | None,
) -> Inputs:
    file = _file_entry(media)
    return Inputs(
        media=MediaInput(
            file.path,
            file.sha256,
            file.bytes,
            info.duration,
            info.has_video,
            str(info.fps) if info.fps else None,
            info.width,
            info.height,
        ),
        glossaries=[_file_entry(check_input(g)) for g in glossaries],
        source_subs=_file_entry(check_input(subs)) if subs is not None else None,
        shots=_file_entry(check_input(shots)) if shots is not None else None,
        context=_file_entry(check_input(context)) if context is not None else None,
    )


def _file_entry(path: Path) -> FileRecord:
    return FileRecord(str(path.resolve()), sha256_file(path), path.stat().st_size)


def _strip_paths(value: Any) -> Any:
    """Inputs minus their paths: moving a file elsewhere does not invalidate results."""
    if isinstance(value, dict):
        return {k: _strip_paths(v) for k, v in value.items() if k != "path"}
    if isinstance(value, list):
        return [_strip_paths(v) for v in value]
    return value


def _settings(dub: bool, options: RunOptions, profiles: list[MarketProfile]) -> dict[str, Any]:
    settings = {
        "dub": dub,
        "language": options.language,
        "model": options.model,
        "engine": options.engine,
        "markets": {m.code: m.to_dict() for m in profiles},
    }
    if str(options.speakers) != "off":
        settings["speakers"] = str(options.speakers)
    if options.source != "audio":  # the default keeps the keys (and caches) of earlier runs
        settings["source"] = options.source
    return settings


def _episode_key(inputs: Inputs, settings: dict[str, Any], versions: dict[str, Any], edits: Any = None) -> str:
    """What an identical re-run finds in the manifest: then nothing is done again. ``edits``
    (the reviewers' edit layers, when there are any) are part of it."""
    return hash_value(
        {
            "inputs": _strip_paths(inputs.to_dict()),
            "settings": settings,
            "code": versions["code"],
            "argos": versions["argos_packages"],
            **({"edits": edits} if edits else {}),
        }
    )


def _versions() -> dict[str, Any]:
    return {
        "localize": _package_version("localize"),
        "python": platform.python_version(),
        "ffmpeg": _ffmpeg_version(),
        "packages": {name: _package_version(name) for name in TOOL_PACKAGES},
        "code": {
            name: code_version(name) for name in (*STAGE_PACKAGES, "localize.pipeline", "localize.review.suspect")
        },
        "argos_packages": _argos_packages(),
    }


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@functools.cache
def _ffmpeg_version() -> str | None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    words = processes.run([ffmpeg, "-version"], text=True).stdout.split()
    return words[2] if len(words) > 2 else None  # "ffmpeg version 6.1.1 ..."


def _argos_packages() -> list[dict[str, Any]]:
    """Installed translation packages with a hash of each model: new models mean new translations."""
    from localize.translation import installed_models

    return installed_models()
