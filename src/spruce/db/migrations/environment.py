"""What a project's ``migrations/env.py`` runs: Alembic configured from the Spruce app.

The ``Database`` (URL, metadata, models) comes from the Alembic config that ``spruce db ...``
builds; SQLite gets batch mode (so ALTERs work by copying tables) with foreign keys off during
the migration; autogenerate compares column types and skips empty revisions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alembic import context
from sqlalchemy.engine import Connection

from ..exceptions import MigrationError
from ..types import UTCDateTime

if TYPE_CHECKING:
    from ..battery import Database

__all__ = ["DATABASE_KEY", "run_migrations"]

DATABASE_KEY = "spruce_database"
SKIP_EMPTY_KEY = "spruce_skip_empty"


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write Spruce's column types as the plain SQLAlchemy types they store, so migration files
    do not depend on Spruce's internals."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _skip_empty(migration_context: Any, revision: Any, directives: list[Any]) -> None:
    config = migration_context.config
    if not (config and config.attributes.get(SKIP_EMPTY_KEY)):
        return
    script = directives[0] if directives else None
    if script is not None and script.upgrade_ops.is_empty():
        directives[:] = []


def _options(database: Database) -> dict[str, Any]:
    return {
        "target_metadata": database.metadata,
        "render_as_batch": database.urls[1].get_backend_name() == "sqlite",
        "compare_type": True,
        "render_item": render_item,
        "process_revision_directives": _skip_empty,
    }


def _run_on(connection: Connection, database: Database) -> None:
    context.configure(connection=connection, **_options(database))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    """Run the current Alembic command against the app's database."""
    database: Database | None = context.config.attributes.get(DATABASE_KEY)
    if database is None:
        raise MigrationError(
            "these migrations belong to a Spruce app: run them with `spruce db upgrade` (or "
            "spruce.db.migrations.upgrade(app)), which knows the database URL and the models"
        )
    database.import_models()
    if context.is_offline_mode():
        context.configure(
            url=database.urls[1],
            literal_binds=True,
            dialect_opts={"paramstyle": "named"},
            **_options(database),
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    sqlite = database.urls[1].get_backend_name() == "sqlite"
    with database.sync_engine.connect() as connection:
        raw = connection.connection.dbapi_connection if sqlite else None
        if raw is not None:  # batch mode copies tables; foreign keys would block the copy
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            _run_on(connection, database)
        finally:
            if raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")
