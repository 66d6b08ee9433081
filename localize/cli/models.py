"""``localize models``: the group that stage modules add their model commands to.

``list`` lives here because it spans the stages: Whisper models and translation pairs.
"""

from __future__ import annotations

import click

from localize.cli.common import echo_json


@click.group()
def models() -> None:
    """List, install and convert the models the stages use."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def models_list(as_json: bool) -> None:
    """Show the Whisper models and translation pairs available offline, and where they are."""
    from localize.transcription import list_models
    from localize.translation import installed_pairs

    rows = list_models() + [package.to_dict() for package in installed_pairs()]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['name']:<24} {row['engine']:<15} {row['source']:<8} {row['status']:<10} {row['path']}")


COMMANDS = [models]
