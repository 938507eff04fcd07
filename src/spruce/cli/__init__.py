"""The ``spruce`` command line.

``spruce run`` (development server), ``spruce serve`` (production server), ``spruce routes``,
``spruce shell`` and ``spruce check`` work on the app named by ``--app module:attr``, the
``SPRUCE_APP`` environment variable, or found in ``app.py``/``main.py``/``asgi.py`` in the
current folder. Commands the app registers with ``app.add_command`` (batteries' ``db``, your
own) join them. ``spruce new`` creates a project and needs no app. See docs/cli.md.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from .. import __version__
from .check import check_command
from .discovery import AppImportError, AppLocation, NoAppError, find_app
from .group import AppLoader, SpruceGroup, current_app, pass_app
from .new import new_command
from .routes import routes_command
from .run import run_command
from .serve import serve_command
from .shell import shell_command

__all__ = [
    "AppImportError",
    "AppLoader",
    "AppLocation",
    "NoAppError",
    "SpruceGroup",
    "cli",
    "current_app",
    "find_app",
    "main",
    "pass_app",
]


def _remember_app_spec(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(AppLoader).spec = value


@click.group(cls=SpruceGroup, context_settings={"help_option_names": ["--help"]})
@click.option(
    "--app",
    "-A",
    metavar="MODULE[:ATTR]",
    is_eager=True,
    expose_value=False,
    callback=_remember_app_spec,
    help="The app: module:attr, a module, or a .py file. Default: $SPRUCE_APP, then app.py, "
    "main.py or asgi.py in the current folder.",
)
@click.version_option(
    __version__,
    "--version",
    "-V",
    prog_name="Spruce",
    message=f"%(prog)s %(version)s (Python {sys.version.split()[0]})",
)
def cli() -> None:
    """Spruce: run, serve, inspect and manage a Spruce app."""


for _command in (
    run_command,
    serve_command,
    routes_command,
    shell_command,
    check_command,
    new_command,
):
    cli.add_command(_command)


def main(args: list[str] | None = None, **extra: Any) -> None:
    """The ``spruce`` console script."""
    cli.main(args=args, prog_name="spruce", **extra)
