"""Engines: from a URL in the usual form to a configured async (and, on demand, sync) engine.

``postgresql://user@host/db`` becomes ``postgresql+asyncpg://...`` for the async engine and
``postgresql+psycopg://...`` for the sync one (sync handlers, migrations); ``sqlite:///app.db``
becomes ``sqlite+aiosqlite:///...`` and ``sqlite:///...``. A URL that names a driver keeps it where
that driver fits. Relative SQLite paths resolve against the application's folder.

SQLite connections get ``foreign_keys=ON``, WAL journaling and a busy timeout, and real
transactions (``BEGIN`` is sent by SQLAlchemy, so savepoints and transactional DDL work).
"""

from __future__ import annotations

import math
import os
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from ..exceptions import ImproperlyConfigured
from .liveness import install_liveness_check
from .settings import DatabaseConfig
from .transactions import install_begin_on_write
from .translate import install_error_translation

__all__ = ["create_engines", "database_urls", "is_memory_sqlite", "safe_url"]

_ASYNC_DRIVERS = {"postgresql": "asyncpg", "sqlite": "aiosqlite", "mysql": "aiomysql"}
_SYNC_DRIVERS = {"postgresql": "psycopg", "sqlite": "pysqlite", "mysql": "pymysql"}
_ASYNC_CAPABLE = frozenset(
    {"asyncpg", "psycopg", "psycopg_async", "aiosqlite", "aiomysql", "asyncmy"}
)
_ASYNC_ONLY = frozenset({"asyncpg", "psycopg_async", "aiosqlite", "aiomysql", "asyncmy"})


def safe_url(url: URL | str) -> str:
    """``url`` with its password hidden, for messages and logs."""
    parsed = make_url(url) if isinstance(url, str) else url
    return parsed.render_as_string(hide_password=True)


def is_memory_sqlite(url: URL) -> bool:
    """True for an in-memory SQLite database (one per connection unless shared)."""
    database = url.database or ""
    return url.get_backend_name() == "sqlite" and (
        database in ("", ":memory:")
        or "mode=memory" in database
        or url.query.get("mode") == "memory"
    )


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL ({exc}); write it like "
            "postgresql://user:password@host:5432/name or sqlite:///app.db"
        ) from None


def database_urls(url: str, base_folder: str | None = None) -> tuple[URL, URL]:
    """The (async, sync) URLs for ``url``; relative SQLite paths are joined to ``base_folder``."""
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        backend = "postgresql"
    named = parsed.drivername.partition("+")[2] or None
    database = parsed.database
    if (
        backend == "sqlite"
        and database
        and not is_memory_sqlite(parsed)
        and not database.startswith("file:")
        and not os.path.isabs(database)
        and base_folder
    ):
        parsed = parsed.set(database=os.path.join(base_folder, database))
    async_driver = named if named in _ASYNC_CAPABLE else _ASYNC_DRIVERS.get(backend, named)
    sync_driver = named if named and named not in _ASYNC_ONLY else _SYNC_DRIVERS.get(backend)
    if async_driver is None:
        raise ImproperlyConfigured(
            f"no async driver is known for {backend!r} databases: name one in DATABASE_URL, "
            f"e.g. {backend}+<driver>://..."
        )
    async_url = parsed.set(drivername=f"{backend}+{async_driver}")
    sync_url = parsed.set(drivername=f"{backend}+{sync_driver}" if sync_driver else backend)
    return async_url, sync_url


def _engine_options(config: DatabaseConfig, url: URL, is_async: bool) -> dict[str, Any]:
    options: dict[str, Any] = {"echo": config.echo, "pool_pre_ping": config.pool_pre_ping}
    backend = url.get_backend_name()
    driver = url.get_driver_name()
    if backend == "sqlite":
        if is_memory_sqlite(url):
            options["poolclass"] = StaticPool
            options["connect_args"] = {"check_same_thread": False}
            return options
        options["connect_args"] = {"timeout": config.connect_timeout}
    elif driver == "asyncpg":
        options["connect_args"] = {"timeout": config.connect_timeout}
    elif driver.startswith("psycopg"):
        options["connect_args"] = {"connect_timeout": max(1, math.ceil(config.connect_timeout))}
    options.update(
        pool_size=config.pool_size,
        max_overflow=config.max_overflow,
        pool_timeout=config.pool_timeout,
        pool_recycle=config.pool_recycle,
    )
    return options


def _configure_sqlite(engine: Engine, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy sends BEGIN itself (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


def _prepare(engine: Engine, url: URL) -> None:
    if url.get_backend_name() == "sqlite":
        _configure_sqlite(engine, is_memory_sqlite(url))
    install_error_translation(engine)
    install_liveness_check(engine)
    install_begin_on_write(engine)


def create_async(config: DatabaseConfig, url: URL) -> AsyncEngine:
    """The async engine for ``url``, configured from ``config``."""
    try:
        engine = create_async_engine(url, **_engine_options(config, url, True))
    except (ArgumentError, ModuleNotFoundError) as exc:
        raise ImproperlyConfigured(
            f"cannot create the database engine for {safe_url(url)}: {exc}"
        ) from exc
    _prepare(engine.sync_engine, url)
    return engine


def create_sync(config: DatabaseConfig, url: URL) -> Engine:
    """The sync engine for ``url`` (sync handlers, migrations, checks)."""
    from sqlalchemy import create_engine

    try:
        engine = create_engine(url, **_engine_options(config, url, False))
    except (ArgumentError, ModuleNotFoundError) as exc:
        raise ImproperlyConfigured(
            f"cannot create the sync database engine for {safe_url(url)}: {exc}. Sync sessions "
            "and migrations need a sync driver: psycopg for PostgreSQL (pip install "
            "'spruce[db]'), sqlite3 is built in"
        ) from exc
    _prepare(engine, url)
    return engine


def create_engines(config: DatabaseConfig, base_folder: str | None) -> tuple[AsyncEngine, URL]:
    """The async engine and the sync URL (the sync engine is made only when needed)."""
    async_url, sync_url = database_urls(config.url, base_folder)
    return create_async(config, async_url), sync_url
