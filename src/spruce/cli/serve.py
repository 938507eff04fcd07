"""``spruce serve``: the production server (granian), with workers and graceful shutdown."""

from __future__ import annotations

import os
from typing import Any

import click

from .group import current_loader
from .options import host_option, log_level_option, port_option
from .server import display_url, run_production_server

__all__ = ["WorkerCount", "serve_command"]


class WorkerCount(click.ParamType[int]):
    """A positive number of worker processes, or ``auto`` for one per CPU."""

    name = "workers"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """``auto`` becomes the CPU count; anything else must be an integer of at least 1."""
        if isinstance(value, int):
            count = value
        elif str(value).strip().lower() == "auto":
            return os.cpu_count() or 1
        else:
            try:
                count = int(value)
            except ValueError:
                self.fail(
                    f"{value!r} is not a number of workers (use an integer or 'auto')", param, ctx
                )
        if count < 1:
            self.fail(f"{count} is not a number of workers: at least 1 is needed", param, ctx)
        return count


@click.command("serve")
@host_option("Interface to bind; 0.0.0.0 for every IPv4 interface.")
@port_option
@click.option(
    "--workers",
    "-w",
    type=WorkerCount(),
    default="1",
    show_default=True,
    help="Worker processes, or 'auto' for one per CPU.",
)
@click.option(
    "--threads",
    type=click.IntRange(1),
    default=1,
    show_default=True,
    help="Runtime (I/O) threads per worker.",
)
@click.option(
    "--graceful-timeout",
    type=click.IntRange(1, 1800),
    default=30,
    show_default=True,
    help="Seconds in-flight requests get to finish on shutdown before workers are killed.",
)
@log_level_option
@click.option(
    "--access-log/--no-access-log", default=False, show_default=True, help="Log every request."
)
def serve_command(
    host: str,
    port: int,
    workers: int,
    threads: int,
    graceful_timeout: int,
    log_level: str,
    access_log: bool,
) -> None:
    """Run the production server (granian, ASGI, uvloop).

    SIGTERM or SIGINT stops it gracefully: no new connections are accepted, requests in flight
    finish (for up to --graceful-timeout seconds), then the app shuts down and the process
    exits with status 0.
    """
    loader = current_loader()
    app = loader.load()
    location = loader.require_location("spruce serve")
    if app.debug:
        click.secho(
            "Warning: debug mode is on. Error pages will show tracebacks and settings; "
            "unset SPRUCE_DEBUG (or set it to 0) in production.",
            fg="yellow",
            err=True,
        )
    plural = "s" if workers > 1 else ""
    click.echo(
        f" * Serving {location.import_string} on {display_url(host, port)} "
        f"with {workers} worker{plural}"
    )
    run_production_server(
        app,
        location,
        host=host,
        port=port,
        workers=workers,
        threads=threads,
        graceful_timeout=graceful_timeout,
        log_level=log_level,
        access_log=access_log,
    )
