"""``localize review``: the review page for a finished run, served on this machine."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from localize.cli.common import warn

LOCALHOST = "127.0.0.1"


@click.command("review")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--episode", "-e", help="Episode to open first (default: the first).")
@click.option("--market", "-m", help="Market to open first (default: the episode's first).")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=0, help="Port (default: a free one).")
@click.option(
    "--host",
    default=LOCALHOST,
    show_default=True,
    help="Address to listen on. Anything but 127.0.0.1 lets other machines reach the page.",
)
def review_command(out: Path, episode: str | None, market: str | None, port: int, host: str) -> None:
    """Review a run in the browser: watch, fix lines, approve, re-render.

    Prints the page's URL, with a random access token; every request needs that token.
    Stop with Ctrl+C.

    \b
    Example:
      localize review out/demo --episode episode --market en-US
    """
    from localize.pipeline import rerender
    from localize.review.server import serve

    if host != LOCALHOST:
        warn(f"listening on {host}: anyone who can reach this address and has the URL can edit the run")

    def announce(url: str) -> None:
        click.echo(f"Review page: {url}")
        click.echo("Stop with Ctrl+C.", err=True)
        sys.stdout.flush()

    serve(out, rerender, episode, market, port, host, announce)


COMMANDS = [review_command]
