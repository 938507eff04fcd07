"""Migrations on Alembic, driven by the app: no ``alembic.ini``, the URL and the models come from
the ``Database`` battery.

    init_migrations("migrations")          # once (``spruce db init``; ``spruce new`` does it)
    revision(app, "add posts", autogenerate=True)
    upgrade(app)                           # to head; downgrade(app) undoes one
    current(app), heads(app), history(app)
    check(app)                             # MigrationError when the models and migrations differ

Batteries with tables of their own (auth) ship their migrations in their package and register
the folder with ``add_battery_migrations(app, folder)``: ``upgrade`` then applies the app's and
theirs together (every head), and new revisions are still written in the app's folder, on top
of every head.

Each function takes the app or its ``Database``. They are synchronous (they use the sync
driver); from async code run them with ``await spruce.concurrency.run_sync(upgrade, app)``.
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from typing import TYPE_CHECKING, Any, TextIO

from ..exceptions import MigrationError
from .environment import DATABASE_KEY, SKIP_EMPTY_KEY

if TYPE_CHECKING:
    from alembic.config import Config

    from ...app import Spruce
    from ..battery import Database

__all__ = [
    "BATTERY_MIGRATIONS_KEY",
    "TEMPLATE_FOLDER",
    "add_battery_migrations",
    "alembic_config",
    "check",
    "current",
    "downgrade",
    "heads",
    "history",
    "init_migrations",
    "revision",
    "upgrade",
]

TEMPLATE_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "template")
"""The files ``init_migrations`` copies: ``env.py``, ``script.py.mako``, ``README``."""

BATTERY_MIGRATIONS_KEY = "spruce.db.battery_migrations"
"""``app.extensions`` entry: the versions folders batteries ship (``add_battery_migrations``)."""


def add_battery_migrations(app: Spruce, folder: str) -> None:
    """Run the Alembic revisions in ``folder`` (a battery's own ``versions`` folder, shipped in
    its package) with the app's: batteries call this from ``install``."""
    folders: list[str] = app.extensions.setdefault(BATTERY_MIGRATIONS_KEY, [])
    path = os.path.abspath(folder)
    if path not in folders:
        folders.append(path)


def _battery_folders(database: Database) -> list[str]:
    app = database.app
    return list(app.extensions.get(BATTERY_MIGRATIONS_KEY, ())) if app is not None else []


def init_migrations(folder: str) -> str:
    """Create a migrations folder at ``folder`` (with an empty ``versions/``); return its path.

    Refuses to overwrite an existing ``env.py``."""
    folder = os.path.abspath(folder)
    if os.path.exists(os.path.join(folder, "env.py")):
        raise MigrationError(f"{folder} already holds migrations (env.py exists)")
    # pip compiles the installed template's env.py: never copy its bytecode into a project
    ignored = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(TEMPLATE_FOLDER, folder, dirs_exist_ok=True, ignore=ignored)
    os.makedirs(os.path.join(folder, "versions"), exist_ok=True)
    return folder


def _database(target: Spruce | Database) -> Database:
    from ..battery import Database, get_database

    return target if isinstance(target, Database) else get_database(target)


def alembic_config(target: Spruce | Database, output: TextIO | None = None) -> Config:
    """The Alembic ``Config`` for the app's migrations folder and database."""
    from alembic.config import Config

    database = _database(target)
    folder = database.migrations_folder
    if not os.path.isfile(os.path.join(folder, "env.py")):
        raise MigrationError(
            f"no migrations folder at {folder}: create it with `spruce db init` "
            "(or spruce.db.migrations.init_migrations)"
        )
    stream = output or sys.stdout
    config = Config(output_buffer=stream, stdout=stream)
    config.set_main_option("script_location", folder)
    config.set_main_option("path_separator", "os")
    extra = _battery_folders(database)
    if extra:
        locations = [os.path.join(folder, "versions"), *extra]
        config.set_main_option("version_locations", os.pathsep.join(locations))
    config.attributes[DATABASE_KEY] = database
    return config


def _run(command: Any, *args: Any, **kwargs: Any) -> Any:
    from alembic.util import CommandError

    try:
        return command(*args, **kwargs)
    except CommandError as exc:
        raise MigrationError(str(exc)) from exc


def revision(
    target: Spruce | Database,
    message: str,
    *,
    autogenerate: bool = False,
    rev_id: str | None = None,
    output: TextIO | None = None,
) -> str | None:
    """Write a new migration; with ``autogenerate`` its operations come from comparing the
    models with the database (which must be at head). Returns the file's path, or ``None`` when
    autogenerate found no change (no file is written then)."""
    from alembic import command

    database = _database(target)
    config = alembic_config(database, output)
    config.attributes[SKIP_EMPTY_KEY] = autogenerate
    placement: dict[str, Any] = {}
    if _battery_folders(database):  # in the app's folder, on top of the batteries' heads too
        placement = {
            "version_path": os.path.join(database.migrations_folder, "versions"),
            "head": "heads",
        }
    script = _run(
        command.revision,
        config,
        message=message,
        autogenerate=autogenerate,
        rev_id=rev_id,
        **placement,
    )
    scripts = script if isinstance(script, list) else [script]
    written = [s for s in scripts if s is not None]
    return str(written[0].path) if written else None


def upgrade(
    target: Spruce | Database, to: str = "head", *, sql: bool = False, output: TextIO | None = None
) -> None:
    """Apply migrations up to ``to``; ``sql=True`` prints the SQL instead of running it.
    With batteries' migrations, ``"head"`` means every head (the app's and theirs)."""
    from alembic import command

    database = _database(target)
    if to == "head" and _battery_folders(database):
        to = "heads"
    _run(command.upgrade, alembic_config(database, output), to, sql=sql)


def downgrade(
    target: Spruce | Database, to: str = "-1", *, sql: bool = False, output: TextIO | None = None
) -> None:
    """Undo migrations down to ``to`` (default: the last one; ``"base"`` undoes all)."""
    from alembic import command

    _run(command.downgrade, alembic_config(target, output), to, sql=sql)


def current(target: Spruce | Database) -> list[str]:
    """The revisions the database is at (empty before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    database = _database(target)
    with database.sync_engine.connect() as connection:
        return list(MigrationContext.configure(connection).get_current_heads())


def heads(target: Spruce | Database) -> list[str]:
    """The newest revisions of the migrations folder."""
    from alembic.script import ScriptDirectory

    return list(ScriptDirectory.from_config(alembic_config(target)).get_heads())


def history(target: Spruce | Database) -> list[str]:
    """One line per migration, newest first: ``base -> 1a2b (head), add posts``."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config(target))
    return [
        script.cmd_format(verbose=False, include_doc=True, include_parents=True)
        for script in scripts.walk_revisions()
    ]


def check(target: Spruce | Database) -> None:
    """Raise ``MigrationError`` when the models differ from what the migrations build (or the
    database is not at head, so it cannot tell)."""
    from alembic import command

    config = alembic_config(target, io.StringIO())
    _run(command.check, config)
