"""``spruce routes``: every route of the app, as a table or as JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from .group import current_app

if TYPE_CHECKING:
    from ..routing.routes import Route

__all__ = ["route_rows", "routes_command"]

COLUMNS = ("methods", "path", "name", "handler")
WEBSOCKET = "WEBSOCKET"


def route_rows(routes: list[Route]) -> list[dict[str, Any]]:
    """One dict per route (methods, path, name, handler, websocket), sorted by path."""
    rows = [
        {
            "methods": [WEBSOCKET] if route.websocket else list(route.methods),
            "path": route.full_path,
            "name": route.name,
            "handler": route.qualname,
            "websocket": route.websocket,
        }
        for route in routes
    ]
    rows.sort(key=lambda row: (row["path"], row["websocket"], row["methods"]))
    return rows


def format_table(rows: list[dict[str, Any]]) -> str:
    """``rows`` as aligned text columns under a header."""
    cells = [[", ".join(row["methods"]), row["path"], row["name"], row["handler"]] for row in rows]
    header = [column.capitalize() for column in COLUMNS]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(COLUMNS))]
    rule = ["-" * width for width in widths]
    lines = [header, rule, *cells]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


@click.command("routes")
@click.option("--json", "as_json", is_flag=True, help="Print the routes as a JSON array.")
def routes_command(as_json: bool) -> None:
    """List the app's routes: methods, path, name and handler, sorted by path.

    WebSocket routes show WEBSOCKET as their method. GET routes also answer HEAD.
    """
    rows = route_rows(current_app().mounted_routes())
    if as_json:
        import json

        click.echo(json.dumps(rows, indent=2))
    elif rows:
        click.echo(format_table(rows))
    else:
        click.echo("No routes.")
