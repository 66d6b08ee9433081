"""What every command shares: one-line errors, JSON output, progress bars."""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
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


class RegistryChoice(click.Choice):
    """A choice among the names in a registry, read when the option is shown or parsed.

    ``registry`` is ``"module:NAME"``: a dict (or tuple) of names, or a function returning
    them. Engines and formats registered after the CLI is built are choices too, and the
    registry's module is imported only when the option is used.
    """

    def __init__(self, registry: str) -> None:
        self._registry = registry
        super().__init__(())

    @property  # type: ignore[override]
    def choices(self) -> Sequence[str]:
        module, _, name = self._registry.partition(":")
        names = getattr(importlib.import_module(module), name)
        return tuple(names() if callable(names) else names)

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:
        """Set by click's constructor; the registry is the list."""
