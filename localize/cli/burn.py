"""``localize burn``: target subtitles rendered into the picture, burned-in source subtitles covered."""

from __future__ import annotations

from pathlib import Path

import click

from localize.cli.common import RegistryChoice, echo_json


@click.command("burn")
@click.argument("video", type=click.Path(path_type=Path))
@click.argument("subs", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Video to write (.mp4, .mov or .mkv); never one of the inputs.",
)
@click.option(
    "--cover",
    type=RegistryChoice("localize.delivery.cover:COVERS"),
    default="auto",
    show_default=True,
    help="How to hide burned-in source subtitles (auto: blur them if found).",
)
@click.option(
    "--style",
    default=None,
    help="ASS style overrides, e.g. 'Fontsize=72,MarginV=300' (Alignment or MarginV place the "
    "subtitles; else they go where the covered source ones were).",
)
@click.option(
    "--band",
    default=None,
    metavar="TOP,BOTTOM",
    help="Rows of the source subtitles, as fractions of the height (else found automatically).",
)
@click.option(
    "--audio",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A dub to use instead of the video's own audio.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
def burn_command(
    video: Path,
    subs: Path,
    output: Path,
    cover: str,
    style: str | None,
    band: str | None,
    audio: Path | None,
    as_json: bool,
) -> None:
    """Burn the subtitles SUBS into VIDEO, covering the subtitles already burned into it."""
    from localize.cli.transcribe import parse_band
    from localize.delivery import burn

    report = burn(video, subs, output, cover=cover, style=style, band=parse_band(band) if band else None, audio=audio)
    if as_json:
        echo_json(report.to_dict())
        return
    where = f" in {report.cover_box} during {report.covered_events} events" if report.cover_box else ""
    clash = f"; {len(report.overlapping)} cue(s) drawn over static text" if report.overlapping else ""
    click.echo(
        f"{output}: {report.cues} cues burned in ({report.font}, {report.placement}); "
        f"source subtitles: {report.cover}{where}{clash}"
    )
    for note in report.notes:
        click.echo(f"  {note}", err=True)


COMMANDS = [burn_command]
