"""``spruce shell``: a Python prompt (IPython when installed) with the app loaded."""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback
from typing import Any

import click

from .group import current_loader

__all__ = ["shell_command", "shell_namespace"]


def shell_namespace(app: Any) -> dict[str, Any]:
    """The names a shell starts with: ``app`` and the ``spruce`` module."""
    import spruce

    return {"app": app, "spruce": spruce}


@click.command("shell")
@click.option(
    "-c",
    "--command",
    "code",
    metavar="CODE",
    help="Run CODE with the shell's names and exit instead of starting a prompt.",
)
@click.option(
    "--plain", is_flag=True, help="Use the standard Python prompt even if IPython is installed."
)
def shell_command(code: str | None, plain: bool) -> None:
    """Start a Python shell with `app` and `spruce` already imported.

    IPython is used when installed (unless --plain); the plain prompt runs PYTHONSTARTUP first.
    """
    loader = current_loader()
    app = loader.load()
    namespace = shell_namespace(app)
    if code is not None:
        _run_code(code, namespace)
        return
    location = loader.location
    from spruce import __version__

    banner = (
        f"Python {sys.version.split()[0]} on {sys.platform}\n"
        f"Spruce {__version__}, app {location.import_string if location else repr(app)} "
        f"(debug {'on' if app.debug else 'off'})\n"
        f"Names: {', '.join(sorted(namespace))}"
    )
    if not plain and importlib.util.find_spec("IPython") is not None:
        click.echo(banner)
        importlib.import_module("IPython").start_ipython(argv=[], user_ns=namespace)
        return
    _plain_prompt(banner, namespace)


def _run_code(code: str, namespace: dict[str, Any]) -> None:
    try:
        exec(compile(code, "<spruce shell -c>", "exec"), namespace)
    except SystemExit:
        raise
    except BaseException as exc:
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != "<spruce shell -c>":
            tb = tb.tb_next
        click.echo("".join(traceback.format_exception(type(exc), exc, tb)).rstrip(), err=True)
        sys.exit(1)


def _plain_prompt(banner: str, namespace: dict[str, Any]) -> None:
    import code

    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as file:
            exec(compile(file.read(), startup, "exec"), namespace)
    try:
        import readline
        import rlcompleter
    except ImportError:
        pass
    else:
        readline.set_completer(rlcompleter.Completer(namespace).complete)
        readline.parse_and_bind("tab: complete")
    code.interact(banner=banner, local=namespace, exitmsg="")
