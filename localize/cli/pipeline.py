"""``localize run``, ``localize batch`` and ``localize markets``: the whole chain per market."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from localize.cli.common import RegistryChoice, echo_json

if TYPE_CHECKING:
    from localize.pipeline import RunOptions

FILE = click.Path(dir_okay=False, path_type=Path)


def _chain_options(command):
    """Options ``run`` and ``batch`` share."""
    options = [
        click.option("--markets", "-m", required=True, help="Market codes or profile files, comma-separated."),
        click.option(
            "--output",
            "-o",
            "output_dir",
            required=True,
            type=click.Path(file_okay=False, path_type=Path),
            help="Output folder (one subfolder per episode).",
        ),
        click.option("--dub", is_flag=True, help="Also dub each market (dub.wav, muxed.mp4)."),
        click.option("--language", "-l", default="auto", show_default=True, help="Source language."),
        click.option(
            "--glossary",
            "-g",
            "glossaries",
            multiple=True,
            type=FILE,
            help="Title glossary, added to each market's layers (repeatable).",
        ),
        click.option("--model", default=None, help="Whisper model (name or folder)."),
        click.option(
            "--engine",
            type=RegistryChoice("localize.transcription.engines:ENGINES"),
            default="faster-whisper",
            show_default=True,
            help="Transcription engine.",
        ),
        click.option(
            "--translate-engine",
            type=RegistryChoice("localize.translation.backends:BACKENDS"),
            default=None,
            help="Translation engine for every market (default: each market's [translate] engine, else argos).",
        ),
        click.option("--llm-model", default=None, help="Model for --translate-engine llm (endpoint: OPENAI_BASE_URL)."),
        click.option(
            "--context",
            "context",
            type=FILE,
            default=None,
            help="Synopsis file (characters, setting) for the llm engine's prompt.",
        ),
        click.option(
            "--source",
            type=click.Choice(["audio", "hardsub", "auto"]),
            default="audio",
            show_default=True,
            help="Transcribe the audio, read burned-in subtitles (OCR), or 'auto' (burned-in when found).",
        ),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Stage cache (default: OUTPUT/.cache).",
        ),
        click.option(
            "--edits",
            type=click.Choice(["keep", "discard"]),
            default="keep",
            show_default=True,
            help="Delivered subtitle files a person changed: keep the edits (delivered in every output) "
            "or discard them (moved to OUTPUT/.edits-backup/).",
        ),
        click.option("--json", "as_json", is_flag=True, help="Print the result as JSON."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _run_options(shared: dict[str, Any], **per_episode: Any) -> RunOptions:
    """The options ``run`` and ``batch`` share (their :func:`_chain_options` other than markets, output, dub
    and json, which click hands them as ``**shared``), and ``run``'s own (``shots``, ``speakers``)."""
    from localize.pipeline import RunOptions

    return RunOptions(**shared, **per_episode)


@click.command("run")
@click.argument("media", type=FILE)
@_chain_options
@click.option("--source-subs", type=FILE, default=None, help="Start from these subtitles instead of transcribing.")
@click.option("--shots", type=FILE, default=None, help="Cut list (else cuts are detected in the video).")
@click.option("--episode", default=None, help="Episode name (default: the media file name).")
@click.option(
    "--speakers",
    default="off",
    show_default=True,
    help="Label speakers (auto, a number, off); OUTPUT's speaker registry keeps them across episodes.",
)
def run_command(
    media: Path,
    markets: str,
    output_dir: Path,
    dub: bool,
    as_json: bool,
    source_subs: Path | None,
    shots: Path | None,
    episode: str | None,
    speakers: str,
    **shared: Any,
) -> None:
    """Localize one episode for each market: transcribe, translate, time, (dub).

    \b
    Example:
      localize run ep01.mp4 --markets en-US,es-419 --dub -o out/
    """
    from localize.pipeline import run_episode, write_title
    from localize.speakers import parse_speakers

    parse_speakers(speakers)  # a bad value fails before any work
    log = (lambda message: None) if as_json else (lambda message: click.echo(message, err=True))
    options = _run_options(shared, shots=shots, speakers=speakers)
    manifest = run_episode(
        media, markets, output_dir, dub=dub, source_subs=source_subs, episode=episode, options=options, log=log
    )
    write_title(output_dir)
    if as_json:
        echo_json(manifest.to_dict())
        return
    episode_dir = output_dir / manifest.episode
    for code, market in manifest.markets.items():
        glossary = len(market.glossary.report.violations) if market.glossary.report else 0
        click.echo(
            f"{code}: {market.cues} cues, {len(market.qc.violations)} QC violations, "
            f"{glossary} glossary violations{_from_edits(market)}"
        )
        for output in market.outputs:
            click.echo(f"  {episode_dir / output.path}")
    click.echo(f"manifest: {episode_dir / 'manifest.json'}")
    click.echo(f"report:   {output_dir / 'report.html'}")


def _from_edits(market: Any) -> str:
    """ ", 2 line(s) from edits, 1 from the approved memory, 3 line(s) flagged suspect" (empty when none)."""
    parts = [f"{market.edited_lines} line(s) from edits"] if market.edited_lines else []
    parts += [f"{market.approved_lines} from the approved memory"] if market.approved_lines else []
    parts += [f"{len(market.suspect)} line(s) flagged suspect"] if market.suspect else []
    return "".join(", " + p for p in parts)


@click.command("batch")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
@_chain_options
@click.option("--jobs", "-j", default=1, show_default=True, type=click.IntRange(1), help="Episodes at a time.")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--address", default=None, help="Ray cluster address (with --executor ray).")
@click.option(
    "--sidecar-subs",
    is_flag=True,
    help="Start from a subtitle file beside each media file with the same name (ep01.srt).",
)
@click.pass_context
def batch_command(
    ctx: click.Context,
    inputs: tuple[Path, ...],
    markets: str,
    output_dir: Path,
    dub: bool,
    as_json: bool,
    jobs: int,
    executor: str,
    address: str | None,
    sidecar_subs: bool,
    **shared: Any,
) -> None:
    """Localize many episodes (files or folders of them); resumable, one failure never stops the rest.

    \b
    Example:
      localize batch season1/ --markets en-US,es-419 -o out/ --jobs 2
    """
    from localize.pipeline import batch, find_episodes, load_markets
    from localize.pipeline.batch import check_executor

    load_markets(markets)  # bad arguments fail before any work
    check_executor(executor, address)
    episodes = find_episodes(inputs, sidecar_subs, exclude=output_dir)
    with click.progressbar(length=len(episodes), label="episodes", file=sys.stderr, show_pos=True) as bar:
        result = batch(
            episodes,
            markets,
            output_dir,
            jobs=jobs,
            executor=executor,
            address=address,
            dub=dub,
            on_done=lambda r: bar.update(1),
            options=_run_options(shared),
        )
    if as_json:
        echo_json(
            {
                "ok": result.ok,
                "seconds": result.seconds,
                "episodes": [r.__dict__ for r in result.results],
                "title": result.title,
            }
        )
    else:
        click.echo(result.table())
        click.echo(f"report: {output_dir / 'report.html'}")
    if not result.ok:
        ctx.exit(1)


@click.group("markets")
def markets_group() -> None:
    """List and show market profiles."""


@markets_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def markets_list(as_json: bool) -> None:
    """The built-in markets."""
    from localize.pipeline import builtin_codes, load_market

    profiles = [load_market(code) for code in builtin_codes()]
    if as_json:
        echo_json([p.to_dict() for p in profiles])
        return
    click.echo(f"{'code':<8} {'language':<8} {'profile':<12} {'voice':<24} name")
    for p in profiles:
        click.echo(f"{p.code:<8} {p.language:<8} {p.profile:<12} {p.voice or '-':<24} {p.name}")


@markets_group.command("show")
@click.argument("market")
def markets_show(market: str) -> None:
    """One market (code or TOML file) as JSON."""
    from localize.pipeline import load_market

    profile = load_market(market)
    echo_json({**profile.to_dict(), "file": profile.path})


COMMANDS = [run_command, batch_command, markets_group]
