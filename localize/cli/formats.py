"""``localize convert`` and ``localize info``: subtitle files in, subtitle files out."""

from __future__ import annotations

from pathlib import Path

import click

from localize.cli.common import echo_json
from localize.fileio import refuse_overwrite
from localize.formats import format_for, load, save
from localize.language import detect_language
from localize.model import format_ms

ENCODING = click.option("--encoding", help="Input text encoding (default: detected).")


@click.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("target", type=click.Path(path_type=Path))
@ENCODING
@click.option("--allow-overlap", is_flag=True, help="Accept cues that overlap in time.")
def convert(source: Path, target: Path, encoding: str | None, allow_overlap: bool) -> None:
    """Convert SOURCE to TARGET; formats come from the file extensions.

    Known: .srt .vtt .ass/.ssa .ttml/.dfxp/.xml .sbv .json. Output is UTF-8.
    """
    format_for(target)  # fail on an unknown output extension before reading anything
    refuse_overwrite([target], [source])
    track = load(source, encoding=encoding, allow_overlap=allow_overlap)
    track.language = track.language or detect_language(track.text())
    save(track, target)
    click.echo(f"{target}: {len(track)} cues")


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@ENCODING
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def info(path: Path, encoding: str | None, as_json: bool) -> None:
    """Describe a subtitle file: cues, duration, language, encoding, format."""
    track = load(path, encoding=encoding)
    facts = {
        "file": str(path),
        "format": track.meta["format"],
        "encoding": track.meta["encoding"],
        "language": track.language or detect_language(track.text()),
        "cues": len(track),
        "first_start_ms": track.cues[0].start,
        "last_end_ms": track.duration,
        "duration": format_ms(track.duration),
    }
    if as_json:
        echo_json(facts)
        return
    for key, value in facts.items():
        click.echo(f"{key:>15}: {value}")


COMMANDS = [convert, info]
