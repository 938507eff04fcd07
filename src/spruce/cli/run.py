"""``spruce run``: the development server, in debug mode, reloading on code changes."""

from __future__ import annotations

import os

import click

from .group import current_loader
from .options import host_option, log_level_option, port_option
from .server import display_url, run_dev_server

__all__ = ["run_command"]


@click.command("run")
@host_option("Interface to bind; 0.0.0.0 makes the server reachable from other machines.")
@port_option
@click.option(
    "--reload/--no-reload",
    default=True,
    show_default=True,
    help="Restart the server when a file under the app's folder changes.",
)
@click.option(
    "--reload-dir",
    "reload_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, resolve_path=True),
    help="Folder to watch instead of the app's folder (repeatable).",
)
@log_level_option
def run_command(
    host: str, port: int, reload: bool, reload_dirs: tuple[str, ...], log_level: str
) -> None:
    """Run the development server (uvicorn) with debug mode on.

    Debug mode is switched on by setting SPRUCE_DEBUG=1 unless SPRUCE_DEBUG is already set.
    Never use this server in production: use `spruce serve`.
    """
    os.environ.setdefault("SPRUCE_DEBUG", "1")
    loader = current_loader()
    app = loader.load()
    location = loader.require_location("--reload") if reload else loader.location
    modes = [f"debug {'on' if app.debug else 'off'}", f"reload {'on' if reload else 'off'}"]
    click.echo(f" * Spruce app: {location.import_string if location else repr(app)}")
    click.echo(f" * Running on {display_url(host, port)} ({', '.join(modes)})")
    click.echo(" * Development server, not for production use (see `spruce serve`). CTRL+C quits.")
    run_dev_server(
        app,
        host=host,
        port=port,
        reload=reload,
        log_level=log_level,
        location=location,
        reload_dirs=reload_dirs,
    )
