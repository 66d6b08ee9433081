"""``localize export`` and ``localize import``: an episode's edit layer to and from CAT tools (XLIFF, TMX, TBX)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from localize.cli.common import echo_json
from localize.errors import InputError

TARGETS = ("xliff", "xliff2", "tmx", "tbx")


@click.command("export")
@click.argument("episode_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--market", "-m", required=True, help="Market code (a folder of the episode, e.g. en-US).")
@click.option(
    "--to",
    "target",
    type=click.Choice(TARGETS),
    default="xliff",
    show_default=True,
    help="xliff: XLIFF 1.2; xliff2: XLIFF 2.0 (2.1 with --xliff-version); tmx: the title's approved "
    "memory (every episode under the output folder); tbx: the market's glossary.",
)
@click.option(
    "--xliff-version",
    type=click.Choice(["2.0", "2.1"]),
    default="2.0",
    show_default=True,
    help="Version written by --to xliff2.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: beside the market's outputs; TMX: OUT/memory.<market>.tmx).",
)
def export_command(episode_dir: Path, market: str, target: str, xliff_version: str, output: Path | None) -> None:
    """Export EPISODE_DIR's reviewed track (the edit layer) for a CAT tool."""
    from localize.fileio import refuse_overwrite
    from localize.review.delivered import delivered_subtitles, read_manifest
    from localize.review.edits import edits_path

    manifest = read_manifest(episode_dir)
    delivered = [episode_dir / o["path"] for o in delivered_subtitles(episode_dir, market, manifest)]
    refuse_overwrite([output], [episode_dir / "manifest.json", edits_path(episode_dir, market), *delivered])
    written = _export(episode_dir, market, target, xliff_version, output)
    click.echo(f"Wrote {written}")


def _export(episode_dir: Path, market: str, target: str, xliff_version: str, output: Path | None) -> Path:
    if target == "tmx":
        from localize.review.tmx import export_tmx

        return export_tmx(episode_dir.parent, market, output)
    if target == "tbx":
        from localize.review.tmx import export_tbx

        return export_tbx(episode_dir, market, output)
    from localize.review.xliff import export_xliff

    return export_xliff(episode_dir, market, output, "1.2" if target == "xliff" else xliff_version)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (or the episode folder); default: the episode folder the file lies in, else '.'.",
)
@click.option("--market", "-m", default=None, help="Market, for files that do not name theirs.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def import_command(file: Path, out_dir: Path | None, market: str | None, as_json: bool) -> None:
    """Apply a CAT tool's XLIFF (1.2, 2.x, SDLXLIFF, memoQ) to its episode's edit layer: all units or none."""
    from localize.review.xliff_import import import_xliff

    if not file.is_file():
        raise InputError(f"{file}: no such file")
    result = import_xliff(file, out_dir or _episode_folder(file), market)
    if as_json:
        echo_json(asdict(result))
        return
    changed = f" ({', '.join(result.changed)})" if result.changed else ""
    click.echo(
        f"Imported {file} into {result.episode}/{result.market}: {result.units} units, "
        f"{len(result.changed)} changed{changed}, revision {result.revision}"
    )


def _episode_folder(file: Path) -> Path:
    """The nearest folder above ``file`` holding a manifest (an episode folder), else the current folder."""
    return next((p for p in file.resolve().parents if (p / "manifest.json").is_file()), Path("."))


COMMANDS = [export_command, import_command]
