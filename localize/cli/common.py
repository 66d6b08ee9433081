"""What every command shares: one-line errors, JSON output, progress bars."""
from __future__ import annotations

import json
from typing import Any

import click

from localize.errors import LocalizeError


class LocalizeGroup(click.Group):
    """Turns :class:`LocalizeError` (and I/O errors) into ``Error: ...`` and exit 1.

    ``--verbose`` anywhere on the command line shows the traceback instead.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (LocalizeError, OSError) as error:
            if (ctx.obj or {}).get("verbose"):
                raise
            raise click.ClickException(one_line(error)) from None


def one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return " ".join(text.split())


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)
