"""``Database``: the ``db`` battery.

db = Database()                       # DATABASE_URL, or a SQLite file beside the app
app = Spruce(batteries=[db])

@app.post("/posts")
async def create(data: PostIn, session: AsyncSession) -> dict:
    session.add(Post(title=data.title))   # committed when the handler returns

async with db.session() as session:   # outside requests: CLI, tasks, tests
    ...
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from sqlalchemy import MetaData, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, sessionmaker

from ..exceptions import ImproperlyConfigured
from .engine import create_async, create_sync, database_urls, safe_url
from .exceptions import DatabaseUnavailable
from .lazysession import LazyAsyncSession, SessionArguments
from .models import Model
from .session import (
    GuardedSession,
    async_session_provider,
    safe_rollback,
    sync_session_provider,
)
from .settings import DatabaseConfig, load_config
from .transactions import BEGIN_ON_WRITE

if TYPE_CHECKING:
    from ..app import Spruce

__all__ = ["Database", "get_database"]

_AnyEngine = TypeVar("_AnyEngine", AsyncEngine, Engine)

logger = logging.getLogger("spruce.db")


class Database:
    """The ``db`` battery: engines, a session per request, migrations, checks and commands.

    ``url`` and the pool options override ``DATABASE_*`` variables (see ``spruce.db.settings``).
    ``metadata`` is ``Model.metadata`` unless you bring your own; ``models`` lists modules to
    import so their tables are known (``<package>.models`` next to your handlers is found by
    itself); ``migrations`` is the Alembic folder, relative to the application's folder.
    """

    name: ClassVar[str] = "db"
    requires: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        url: str | None = None,
        *,
        metadata: MetaData | None = None,
        models: Sequence[str] = (),
        migrations: str = "migrations",
        pool_size: int | None = None,
        max_overflow: int | None = None,
        pool_timeout: float | None = None,
        pool_recycle: int | None = None,
        pool_pre_ping: bool | None = None,
        begin_on_write: bool | None = None,
        connect_timeout: float | None = None,
        echo: bool | None = None,
    ) -> None:
        self._overrides: dict[str, Any] = {
            "url": url,
            "pool_size": pool_size,
            "max_overflow": max_overflow,
            "pool_timeout": pool_timeout,
            "pool_recycle": pool_recycle,
            "pool_pre_ping": pool_pre_ping,
            "begin_on_write": begin_on_write,
            "connect_timeout": connect_timeout,
            "echo": echo,
        }
        self.metadata = metadata if metadata is not None else Model.metadata
        self.model_modules: list[str] = list(models)
        self.migrations = migrations
        self.app: Spruce | None = None
        self._config: DatabaseConfig | None = None
        self._engine: AsyncEngine | None = None
        self._sync_engine: Engine | None = None
        self._session_arguments: SessionArguments | None = None
        self._sync_sessionmaker: sessionmaker[Session] | None = None
        self._test_connection: AsyncConnection | None = None
        self._test_sync_connection: Connection | None = None

    # -- the battery ----------------------------------------------------------------------------
    def install(self, app: Spruce) -> None:
        """Plug the database into ``app``."""
        from .checks import add_checks
        from .commands import db_commands
        from .handlers import add_error_handlers

        self.app = app
        app.extensions[self.name] = self
        app.add_lifespan(self._lifespan)
        app.add_provider(AsyncSession, async_session_provider(self))
        app.add_provider(Session, sync_session_provider(self))
        add_error_handlers(app)
        add_checks(app)
        app.add_command(db_commands)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Spruce) -> AsyncIterator[None]:
        self.engine  # noqa: B018 - open the pool in the server's event loop
        testing = self._test_connection is not None
        if not testing and not await self.ping():
            logger.warning(
                "the database at %s does not answer; requests that need it get 503 until it does",
                self.safe_url,
            )
        try:
            yield
        finally:
            if self._test_connection is None:  # else test_transaction() disposes at its end
                await self.dispose()

    # -- configuration --------------------------------------------------------------------------
    @property
    def config(self) -> DatabaseConfig:
        """The resolved settings (arguments, then the app's settings, then ``DATABASE_*``)."""
        if self._config is None:
            app_settings = self.app.settings if self.app is not None else None
            self._config = load_config(self._overrides, app_settings)
        return self._config

    @property
    def base_folder(self) -> str:
        """The application's folder: relative SQLite paths and the migrations live there."""
        return self.app.root_path if self.app is not None else os.getcwd()

    @property
    def urls(self) -> tuple[URL, URL]:
        """The (async, sync) SQLAlchemy URLs."""
        return database_urls(self.config.url, self.base_folder)

    @property
    def safe_url(self) -> str:
        """The database URL with the password hidden."""
        return safe_url(self.urls[0])

    @property
    def migrations_folder(self) -> str:
        """The absolute path of the Alembic folder."""
        return os.path.join(self.base_folder, self.migrations)

    def add_models(self, *modules: str) -> None:
        """Import ``modules`` whenever the schema is needed (batteries with models call this)."""
        self.model_modules.extend(m for m in modules if m not in self.model_modules)

    def import_models(self) -> None:
        """Import every model module this app uses, so ``metadata`` knows all its tables."""
        from .discovery import import_models

        import_models(self.app, self.model_modules)

    # -- engines and sessions -------------------------------------------------------------------
    @property
    def engine(self) -> AsyncEngine:
        """The async engine (made on first use, closed at shutdown)."""
        if self._engine is None:
            self._engine = create_async(self.config, self.urls[0])
        return self._engine

    @property
    def sync_engine(self) -> Engine:
        """The sync engine, for sync handlers, migrations and checks (made on first use)."""
        if self._sync_engine is None:
            self._sync_engine = create_sync(self.config, self.urls[1])
        return self._sync_engine

    def new_session(self) -> AsyncSession:
        """A new ``AsyncSession`` (inside the test transaction while one is open). Its ORM
        ``Session`` is made on first use (``spruce.db.lazysession``)."""
        connection = self._test_connection
        if connection is not None:
            return LazyAsyncSession(
                bind=connection,
                expire_on_commit=False,
                join_transaction_mode="create_savepoint",
                sync_session_class=GuardedSession,
            )
        arguments = self._session_arguments
        if arguments is None:
            arguments = self._session_arguments = SessionArguments(
                self._session_bind(self.engine),
                {"expire_on_commit": False, "sync_session_class": GuardedSession},
            )
        return LazyAsyncSession.made_with(arguments)

    def _session_bind(self, engine: _AnyEngine) -> _AnyEngine:
        """What sessions are bound to: ``engine`` itself, or its copy whose connections run
        reads before the first write outside a transaction (``spruce.db.transactions``)."""
        if not self.config.begin_on_write:
            return engine
        return engine.execution_options(**{BEGIN_ON_WRITE: True})

    def new_sync_session(self) -> Session:
        """A new sync ``Session`` (inside the sync test transaction while one is open)."""
        if self._test_connection is not None:
            if self._test_sync_connection is None:
                connection = self.sync_engine.connect()
                connection.begin()
                self._test_sync_connection = connection
            return Session(
                bind=self._test_sync_connection,
                expire_on_commit=False,
                join_transaction_mode="create_savepoint",
            )
        if self._sync_sessionmaker is None:
            self._sync_sessionmaker = sessionmaker(
                self._session_bind(self.sync_engine), expire_on_commit=False
            )
        return self._sync_sessionmaker()

    @contextlib.asynccontextmanager
    async def session(self, *, commit: bool = True) -> AsyncIterator[AsyncSession]:
        """``async with db.session() as s:`` one unit of work outside a request: committed at the
        end of the block (unless ``commit=False``), rolled back if it raises."""
        session = self.new_session()
        try:
            yield session
            if commit:
                await session.commit()
        except BaseException:
            await safe_rollback(session)
            raise
        finally:
            await session.close()

    @contextlib.contextmanager
    def sync_session(self, *, commit: bool = True) -> Iterator[Session]:
        """``with db.sync_session() as s:`` the same for sync code (scripts, sync tasks)."""
        session = self.new_sync_session()
        try:
            yield session
            if commit:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    # -- schema and health ----------------------------------------------------------------------
    async def create_all(self) -> None:
        """Create every table that does not exist yet (quick starts and tests; projects with
        migrations run ``spruce db upgrade`` instead)."""
        self.import_models()
        async with self._schema_connection() as connection:
            await connection.run_sync(self.metadata.create_all)

    async def drop_all(self) -> None:
        """Drop every table of ``metadata``."""
        self.import_models()
        async with self._schema_connection() as connection:
            await connection.run_sync(self.metadata.drop_all)

    @contextlib.asynccontextmanager
    async def _schema_connection(self) -> AsyncIterator[AsyncConnection]:
        if self._test_connection is not None:
            yield self._test_connection
            return
        async with self.engine.begin() as connection:
            yield connection

    async def ping(self) -> bool:
        """True when the database answers ``SELECT 1``."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (DatabaseUnavailable, OSError):
            return False
        except Exception:
            logger.debug("database ping failed", exc_info=True)
            return False
        return True

    async def dispose(self) -> None:
        """Close every pooled connection (the engines reopen on next use)."""
        engine, self._engine, self._session_arguments = self._engine, None, None
        if engine is not None:
            await engine.dispose()
        if self._sync_engine is not None:
            self._sync_engine.dispose()

    # -- tests ----------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def test_transaction(self) -> AsyncIterator[AsyncSession]:
        """Run a block inside one transaction that is rolled back at the end: every session
        made meanwhile (requests included) works in a savepoint of it. Yields a session on it."""
        if self._test_connection is not None:
            raise RuntimeError("a test transaction is already open on this database")
        connection = await self.engine.connect()
        transaction = await connection.begin()
        self._test_connection = connection
        session = self.new_session()
        try:
            yield session
        finally:
            self._test_connection = None
            await session.close()
            if transaction.is_active:
                await transaction.rollback()
            await connection.close()
            sync_connection, self._test_sync_connection = self._test_sync_connection, None
            if sync_connection is not None:
                sync_connection.rollback()
                sync_connection.close()
            await self.dispose()  # the pool's connections belong to this event loop

    def __repr__(self) -> str:
        url = self.safe_url if self._config is not None else "(not configured yet)"
        return f"<Database {url}>"


def get_database(app: Spruce) -> Database:
    """The ``Database`` installed on ``app``; ``ImproperlyConfigured`` if there is none."""
    database = app.extensions.get(Database.name)
    if not isinstance(database, Database):
        raise ImproperlyConfigured(
            "the db battery is not installed: create the app with "
            "Spruce(batteries=[Database()]) (from spruce.db import Database)"
        )
    return database
