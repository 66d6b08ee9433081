"""``localize models``: the group that stage modules add their model commands to."""
from __future__ import annotations

import click


@click.group()
def models() -> None:
    """List, install and convert the models the stages use."""


COMMANDS = [models]
