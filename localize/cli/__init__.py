"""The ``localize`` command line: thin click wrappers over the library.

Each stage keeps its commands in a module of this package; :data:`COMMAND_MODULES`
lists them in the order ``localize --help`` shows them.
"""

from __future__ import annotations

import contextlib
import importlib
import logging

import click

from localize.cli.common import LocalizeGroup
from localize.processes import Interrupted, catch_signals

COMMAND_MODULES = [
    "formats",
    "transcribe",
    "models",
    "pipeline",
    "dub",
    "burn",
    "timing",
    "translate",
    "speakers",
    "review_io",
    "review",
]


@click.group(cls=LocalizeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="localize")
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks and debug logging.")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """Localize short-form drama episodes: transcribe (or read burned-in subtitles), translate, time, dub, burn in."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose
    # --verbose makes only localize's own loggers verbose: at DEBUG, HTTP libraries dump headers (and echoed keys)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    logging.getLogger("localize").setLevel(logging.DEBUG if verbose else logging.WARNING)


for _name in COMMAND_MODULES:
    for _command in importlib.import_module(f"localize.cli.{_name}").COMMANDS:
        cli.add_command(_command)


def main() -> None:
    catch_signals()
    try:
        cli(prog_name="localize")
    except Interrupted as stop:  # everything is cleaned up by now; say why we stop, exit 128 + the signal
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            click.echo(str(stop), err=True)
        raise


if __name__ == "__main__":
    main()
