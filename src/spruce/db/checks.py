"""Checks that ``spruce check`` (and ``spruce check --deploy``) run for the database.

Each yields sentences that say what is wrong and how to fix it.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = ["add_checks", "check_configuration", "check_deploy"]

_DRIVER_MODULES = {"asyncpg": "asyncpg", "aiosqlite": "aiosqlite", "psycopg": "psycopg"}


def check_configuration(app: Spruce) -> Iterator[str]:
    """The URL parses, its drivers are installed, a SQLite file's folder exists."""
    from .battery import get_database

    database = get_database(app)
    try:
        async_url, sync_url = database.urls
    except ImproperlyConfigured as exc:
        yield str(exc)
        return
    for url in (async_url, sync_url):
        module = _DRIVER_MODULES.get(url.get_driver_name())
        if module and importlib.util.find_spec(module) is None:
            yield (f"the database driver {module!r} is not installed: pip install 'spruce[db]'")
    if async_url.get_backend_name() == "sqlite" and async_url.database:
        folder = os.path.dirname(async_url.database)
        if folder and not async_url.database.startswith("file:") and not os.path.isdir(folder):
            yield f"the folder of the SQLite database does not exist: {folder}"


def check_deploy(app: Spruce) -> Iterator[str]:
    """Production readiness: an explicit URL, no SQL echo, migrations applied."""
    from .battery import get_database

    database = get_database(app)
    config = database.config
    if config.url_from_default:
        yield (
            "DATABASE_URL is not set: the app uses the default SQLite file "
            f"{database.urls[0].database}; set DATABASE_URL (e.g. postgresql://user@host/name)"
        )
    if config.echo:
        yield "DATABASE_ECHO is on: every SQL statement (with values) goes to the log"
    yield from _pending_migrations(app)


def _pending_migrations(app: Spruce) -> Iterator[str]:
    from . import migrations
    from .battery import get_database

    if not os.path.isfile(os.path.join(get_database(app).migrations_folder, "env.py")):
        return
    try:
        applied = set(migrations.current(app))
        latest = set(migrations.heads(app))
    except Exception as exc:
        yield f"cannot read the migration state of the database: {exc}"
        return
    if applied != latest:
        yield "the database is not at the latest migration: run `spruce db upgrade`"


def add_checks(app: Spruce) -> None:
    """Register the database checks on ``app``."""
    app.add_check(check_configuration)
    app.add_check(check_deploy, deploy=True)
