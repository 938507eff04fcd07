"""``spruce db ...``: migrations, schema and seed data from the command line.

    spruce db init                      create the migrations folder
    spruce db revision -m "add posts" --autogenerate
    spruce db upgrade [REV] [--sql]     apply migrations (default: head)
    spruce db downgrade [REV] [--sql]   undo migrations (default: the last one)
    spruce db current | history | check
    spruce db create                    create missing tables without migrations
    spruce db seed data.json | pkg.seeds:run

The commands find the app in the click context (the ``spruce`` CLI puts it there), either as the
context object itself or through its ``load()``/``load_app()``/``app``.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .exceptions import DbError

if TYPE_CHECKING:
    from ..app import Spruce
    from .battery import Database

__all__ = ["current_app", "db_commands"]

T = TypeVar("T")


def current_app() -> Spruce:
    """The app the ``spruce`` command is working on."""
    from ..app import Spruce

    context: click.Context | None = click.get_current_context()
    while context is not None:
        obj = context.obj
        if isinstance(obj, Spruce):
            return obj
        for name in ("load", "load_app"):  # the spruce CLI's AppLoader, or look-alikes
            loader = getattr(obj, name, None)
            if callable(loader):
                app = loader()
                if isinstance(app, Spruce):
                    return app
        app = getattr(obj, "app", None)
        if isinstance(app, Spruce):
            return app
        context = context.parent
    raise click.UsageError("no Spruce app: run this as `spruce --app module:app db ...`")


def _database() -> Database:
    from .battery import get_database

    return get_database(current_app())


def _run_async(database: Database, work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        try:
            return await work()
        finally:
            await database.dispose()

    return asyncio.run(run())


def _fail_cleanly(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except DbError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


@click.group("db")
def db_commands() -> None:
    """Database: migrations, schema and seed data."""


@db_commands.command("init")
@click.argument("folder", required=False)
@_fail_cleanly
def init_command(folder: str | None) -> None:
    """Create the migrations folder (default: the app's ``migrations``)."""
    from .migrations import init_migrations

    path = init_migrations(folder or _database().migrations_folder)
    click.echo(f"created {path}")


@db_commands.command("revision")
@click.option("-m", "--message", required=True, help="What the migration does.")
@click.option("--autogenerate", is_flag=True, help="Write operations from model changes.")
@click.option("--rev-id", default=None, help="Use this revision id instead of a random one.")
@_fail_cleanly
def revision_command(message: str, autogenerate: bool, rev_id: str | None) -> None:
    """Write a new migration file."""
    from .migrations import revision

    path = revision(_database(), message, autogenerate=autogenerate, rev_id=rev_id)
    click.echo(f"wrote {path}" if path else "no changes detected: no migration written")


@db_commands.command("upgrade")
@click.argument("to", default="head")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@_fail_cleanly
def upgrade_command(to: str, sql: bool) -> None:
    """Apply migrations up to TO (default: head)."""
    from .migrations import upgrade

    upgrade(_database(), to, sql=sql)


@db_commands.command("downgrade")
@click.argument("to", default="-1")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it.")
@_fail_cleanly
def downgrade_command(to: str, sql: bool) -> None:
    """Undo migrations down to TO (default: -1, the last one; 'base' undoes all)."""
    from .migrations import downgrade

    downgrade(_database(), to, sql=sql)


@db_commands.command("current")
@_fail_cleanly
def current_command() -> None:
    """Show the revision the database is at."""
    from .migrations import current, heads

    database = _database()
    latest = set(heads(database))
    applied = current(database)
    for revision in applied:
        click.echo(f"{revision}{' (head)' if revision in latest else ''}")
    if not applied:
        click.echo("(no migration applied)")


@db_commands.command("history")
@_fail_cleanly
def history_command() -> None:
    """List the migrations, newest first."""
    from .migrations import history

    for line in history(_database()):
        click.echo(line)


@db_commands.command("check")
@_fail_cleanly
def check_command() -> None:
    """Fail when the models and the migrations differ."""
    from .migrations import check

    check(_database())
    click.echo("models and migrations agree")


@db_commands.command("create")
@_fail_cleanly
def create_command() -> None:
    """Create the tables that do not exist yet (projects without migrations)."""
    database = _database()
    _run_async(database, database.create_all)
    click.echo(f"created missing tables in {database.safe_url}")


@db_commands.command("seed")
@click.argument("source")
@_fail_cleanly
def seed_command(source: str) -> None:
    """Load seed data from a JSON file or run a module:function seed."""
    from .seeding import seed

    database = _database()
    click.echo(_run_async(database, lambda: seed(database, source)))
