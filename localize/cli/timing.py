"""``localize time`` and ``localize check``: subtitles timed to the cuts, and QC."""

from __future__ import annotations

import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import click

from localize.cli.common import echo_json
from localize.errors import InputError, LocalizeError
from localize.fileio import refuse_overwrite
from localize.formats import save
from localize.model import frame_rate
from localize.timing import DETECTORS, QCReport, TimingInputs, check, retime, timing_inputs

_PATH = click.Path(dir_okay=False, path_type=Path)


def _shot_options(command):
    command = click.option(
        "--profile",
        "-p",
        "profile",
        help="Built-in profile (en, zh, en-vertical, zh-vertical) or a .toml file. Default: by the track's language, -vertical for 9:16 video.",
    )(command)
    command = click.option("--video", type=_PATH, help="Detect shot changes in this video (cached).")(command)
    command = click.option(
        "--shots", "shots_file", type=_PATH, help="Read shot changes from a CSV, EDL or JSON cut list."
    )(command)
    command = click.option(
        "--shot-method",
        type=click.Choice(sorted(DETECTORS)),
        default="scenedetect",
        show_default=True,
        help="Shot detector for --video.",
    )(command)
    command = click.option("--fps", help="Frame rate of the timing grid (default: the video's, else 30).")(command)
    return click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report.")(command)


def _setup(
    subs: Path, video: Path | None, shots_file: Path | None, profile: str | None, fps: str | None, shot_method: str
) -> TimingInputs:
    """The track, profile and cuts of ``time``/``check`` from SUBS and the :func:`_shot_options` (``**shot``)."""
    if video and shots_file:
        raise InputError("give --video or --shots, not both")
    return timing_inputs(subs, video, shots_file, profile, _fps(fps), shot_method)


def _fps(value: str | None) -> Fraction | None:
    if value is None:
        return None
    try:
        return frame_rate(value)
    except LocalizeError:
        raise InputError(f"--fps: not a frame rate: {value!r}") from None


def _print_report(report: QCReport) -> None:
    for violation in report.violations:
        click.echo(str(violation))
    if report.ok:
        click.echo(f"OK: {report.cues} cues pass profile {report.profile}")
        return
    counts = ", ".join(f"{rule} {n}" for rule, n in report.summary.items() if n)
    unfixable = len(report.violations) - len(report.unexplained())
    click.echo(
        f"{len(report.violations)} violations in {report.cues} cues (profile {report.profile}): {counts}; {unfixable} flagged unfixable"
    )


@click.command("time")
@click.argument("subs", type=_PATH)
@click.option("--output", "-o", type=_PATH, required=True, help="Timed subtitle file (format by extension).")
@click.option("--protect", multiple=True, help="A term or name never split across lines (repeatable).")
@_shot_options
def time_command(subs: Path, output: Path, protect: tuple[str, ...], as_json: bool, **shot: Any) -> None:
    """Retime SUBS to the shot changes and a reading-speed profile; write OUT."""
    refuse_overwrite([output], [subs, shot["video"], shot["shots_file"]])
    setup = _setup(subs, **shot)
    before = check(setup.track, setup.profile, setup.shots)
    timed = retime(setup.track, setup.profile, setup.shots, protected=protect)
    after = check(timed, setup.profile, setup.shots)
    save(timed, output)
    if as_json:
        echo_json(
            {
                "output": str(output),
                "profile": setup.profile.name,
                "shots": setup.shots,
                "cues_in": len(setup.track),
                "cues_out": len(timed),
                "before": before.summary,
                "after": after.to_dict(),
            }
        )
        return
    click.echo(
        f"{output}: {len(setup.track)} cues in, {len(timed)} out, profile {setup.profile.name}, {len(setup.shots)} shot changes"
    )
    click.echo(f"violations before: {len(before.violations)}, after: {len(after.violations)}")
    for violation in after.violations:
        click.echo(str(violation))


@click.command("check")
@click.argument("subs", type=_PATH)
@click.option("--strict", is_flag=True, help="Exit with status 1 when any rule is broken.")
@_shot_options
def check_command(subs: Path, strict: bool, as_json: bool, **shot: Any) -> None:
    """QC-check SUBS (any subtitle file) against a timing profile and the shot changes."""
    setup = _setup(subs, **shot)
    report = check(setup.track, setup.profile, setup.shots)
    if as_json:
        echo_json(report.to_dict())
    else:
        _print_report(report)
    if strict and not report.ok:
        sys.exit(1)


COMMANDS = [time_command, check_command]
