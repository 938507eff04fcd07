"""Options that several ``spruce`` commands share, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from .server import LOG_LEVELS

F = TypeVar("F", bound=Callable[..., Any])


__all__ = ["host_option", "log_level_option", "port_option"]


def host_option(help: str) -> Callable[[F], F]:
    """``--host/-h``: the interface a server binds (127.0.0.1 unless told otherwise)."""
    return click.option("--host", "-h", default="127.0.0.1", show_default=True, help=help)


port_option = click.option(
    "--port",
    "-p",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on.",
)

log_level_option = click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS),
    default="info",
    show_default=True,
    help="Server log level.",
)
