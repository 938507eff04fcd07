"""``prepare()``: a read built once from the models, run straight on the driver.

    from sqlalchemy import bindparam
    from spruce.db import prepare, select

    WORLD = prepare(select(World.id, World.randomnumber).where(World.id == bindparam("id")))

    @app.get("/db")
    async def one_world(session: AsyncSession):
        world = await WORLD.one(session, id=random_id())
        return {"id": world.id, "randomNumber": world.randomnumber}

A prepared read is compiled once per database dialect; running it binds the keyword
arguments, sends the SQL to the driver (asyncpg or aiosqlite) on the session's connection --
or, when the session holds none yet, on a connection borrowed from the pool for this one
read -- and turns the records into ``ReadRow`` tuples, every value through the same type
processing SQLAlchemy applies. See "Fast reads" in docs/database.md for what it does not do.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import CompoundSelect, Select
from sqlalchemy.types import TypeEngine

from ...exceptions import NotFound
from ..lazysession import held_connection, hold_connection, lazy_bind, may_hold_connections
from ..transactions import is_plain_read
from .connections import HeldReadConnection, borrow, give_back
from .drivers import adapter_for
from .errors import invalidate, translate_error
from .plan import ReadPlan, build_plan
from .rows import ReadRow, make_rows, row_class

if TYPE_CHECKING:
    from ..battery import Database

__all__ = ["PreparedSelect", "ReadTarget", "prepare"]

ReadTarget: TypeAlias = "AsyncSession | Database | AsyncConnection | AsyncEngine"
"""Where a prepared read runs: the request's session (its connection if it holds one), a
``Database`` or an ``AsyncEngine`` (a connection borrowed for the read), an ``AsyncConnection``."""


def prepare(statement: Select[Any] | CompoundSelect[Any]) -> PreparedSelect:
    """A read of ``statement`` that runs without SQLAlchemy's per-call execution machinery.

    ``statement`` is a ``select()`` (or a union) of columns and expressions -- not of whole
    model classes -- with ``bindparam("name")`` where a value is given at each call. Build it
    once, at import time. Raises ``TypeError`` for anything else.
    """
    return PreparedSelect(statement)


def _refuse(reason: str) -> TypeError:
    return TypeError(f"prepare() {reason}")


def _check_columns(statement: Select[Any] | CompoundSelect[Any]) -> None:
    selects = statement.selects if isinstance(statement, CompoundSelect) else [statement]
    for select in selects:
        if isinstance(select, CompoundSelect):
            _check_columns(select)
            continue
        if not isinstance(select, Select):
            raise _refuse(f"takes select() statements, not {type(select).__name__}")
        for description in select.column_descriptions:
            if not isinstance(description.get("type"), TypeEngine):
                name = description.get("name", "?")
                raise _refuse(
                    f"reads columns, not model objects ({name}): select the columns you use, "
                    f"e.g. select({name}.id, {name}.title), or select(*{name}.__table__.c) for "
                    "all of them; load objects you change through the session "
                    f"(await session.scalars(select({name})))"
                )


class PreparedSelect:
    """A prepared read (made by ``prepare()``). Each method takes where to read first -- the
    request's ``AsyncSession``, a ``Database``, an ``AsyncConnection`` or an ``AsyncEngine``
    -- then the values of the statement's parameters as keyword arguments."""

    __slots__ = ("__weakref__", "_last", "_names", "_plain", "_plans", "_required", "statement")

    def __init__(self, statement: Select[Any] | CompoundSelect[Any]) -> None:
        if not isinstance(statement, (Select, CompoundSelect)):
            raise _refuse(f"takes a select() statement, not {type(statement).__name__}")
        _check_columns(statement)
        self.statement = statement
        binds = [e for e in visitors.iterate(statement) if isinstance(e, BindParameter)]
        self._names = frozenset(b.key for b in binds)
        self._required = frozenset(b.key for b in binds if b.required)
        self._plain = is_plain_read(statement)
        self._plans: weakref.WeakKeyDictionary[Dialect, ReadPlan | None] = (
            weakref.WeakKeyDictionary()
        )
        self._last: ReadPlan | None = None

    def __repr__(self) -> str:
        return f"<PreparedSelect {str(self.statement)!r}>"

    # -- the API ---------------------------------------------------------------------------------
    async def all(self, target: ReadTarget, /, **params: Any) -> list[ReadRow]:
        """Every row."""
        return await self._read(target, params, False)

    async def first(self, target: ReadTarget, /, **params: Any) -> ReadRow | None:
        """The first row, or None (only one row is fetched)."""
        rows = await self._read(target, params, True)
        return rows[0] if rows else None

    async def one(self, target: ReadTarget, /, **params: Any) -> ReadRow:
        """The only row; ``sqlalchemy.exc.NoResultFound`` when there is none,
        ``MultipleResultsFound`` when there are more."""
        rows = await self._read(target, params, False)
        if len(rows) != 1:
            raise _count_error(len(rows))
        return rows[0]

    async def one_or_none(self, target: ReadTarget, /, **params: Any) -> ReadRow | None:
        """The only row, or None; ``MultipleResultsFound`` when there are more."""
        rows = await self._read(target, params, False)
        if len(rows) > 1:
            raise _count_error(len(rows))
        return rows[0] if rows else None

    async def one_or_404(self, target: ReadTarget, /, **params: Any) -> ReadRow:
        """The only row, or ``NotFound`` (404); ``MultipleResultsFound`` when there are more."""
        row = await self.one_or_none(target, **params)
        if row is None:
            raise NotFound(f"{self._entity_name()} not found")
        return row

    async def scalar(self, target: ReadTarget, /, **params: Any) -> Any:
        """The first column of the first row, or None when there is no row."""
        rows = await self._read(target, params, True)
        return rows[0][0] if rows else None

    async def scalars(self, target: ReadTarget, /, **params: Any) -> list[Any]:
        """The first column of every row."""
        return [row[0] for row in await self._read(target, params, False)]

    def plan(self, dialect: Dialect) -> ReadPlan | None:
        """The statement compiled for ``dialect`` (made once, then cached), or None when
        the dialect's driver has no direct path (reads then go through SQLAlchemy)."""
        plan = self._last
        if plan is not None and plan.dialect is dialect:
            return plan
        try:
            plan = self._plans[dialect]
        except KeyError:
            adapter = adapter_for(dialect)
            plan = None if adapter is None else build_plan(self.statement, dialect, adapter)
            self._plans[dialect] = plan
        if plan is not None:
            self._last = plan
        return plan

    # -- where to read ---------------------------------------------------------------------------
    async def _read(
        self, target: ReadTarget, params: Mapping[str, Any], first: bool
    ) -> list[ReadRow]:
        if isinstance(target, AsyncSession):
            return await self._read_in_session(target, params, first)
        if isinstance(target, AsyncConnection):
            return await self._read_on(target._proxied, target, params, first)
        if isinstance(target, AsyncEngine):
            return await self._read_borrowed(target.sync_engine, params, first, target)
        test_connection = getattr(target, "_test_connection", None)
        if test_connection is not None:  # a Database inside its test transaction
            return await self._read_on(test_connection._proxied, test_connection, params, first)
        engine = getattr(target, "engine", None)
        if isinstance(engine, AsyncEngine):  # a Database
            return await self._read_borrowed(engine.sync_engine, params, first, engine)
        raise TypeError(
            "a prepared read runs on an AsyncSession, a Database, an AsyncConnection or an "
            f"AsyncEngine, not {type(target).__name__}"
        )

    async def _read_in_session(
        self, session: AsyncSession, params: Mapping[str, Any], first: bool
    ) -> list[ReadRow]:
        bind = lazy_bind(session)
        if bind is not None:  # the ORM session was never made: no connection, no changes
            if isinstance(bind, Connection):
                return await self._read_on(bind, session, params, first)
            if not self._plain:
                return await self._through(session, params, first)
            return await self._read_held(session, bind, params, first)
        sync = session.sync_session
        if sync.autoflush and (sync.new or sync.deleted or sync.dirty):
            await session.flush()  # as a query through the session would
        bind = sync.bind
        if bind is None:
            bind = sync.get_bind(clause=self.statement)
        engine = bind.engine if isinstance(bind, Connection) else bind
        transaction = sync.get_transaction()
        if transaction is not None and not transaction.is_active:
            return await self._through(session, params, first)  # it raises why
        connection = _held_connection(transaction, engine)
        if connection is None and isinstance(bind, Connection):
            connection = bind  # a session bound to a connection (the test transaction)
        if connection is None:
            if not self._plain:  # it may write or lock: let the session begin its transaction
                return await self._through(session, params, first)
            return await self._read_borrowed(engine, params, first, session)
        return await self._read_on(connection, session, params, first)

    async def _read_held(
        self, session: AsyncSession, engine: Engine, params: Mapping[str, Any], first: bool
    ) -> list[ReadRow]:
        """A read of a session that has not made its ORM session: on the connection its reads
        share, borrowed now if this is the first."""
        plan = self.plan(engine.dialect)
        if plan is None or not plan.adapter.returns_without_io or not may_hold_connections(session):
            return await self._read_borrowed(engine, params, first, session)
        held = held_connection(session)
        if isinstance(held, HeldReadConnection) and held.busy:  # reads side by side
            return await self._read_borrowed(engine, params, first, session)
        sql, arguments = plan.arguments(params)  # bad parameters fail before any checkout
        if not isinstance(held, HeldReadConnection):
            held = HeldReadConnection(await borrow(engine, plan.adapter), plan.adapter)
            hold_connection(session, held)
        held.busy = True
        try:
            return await _run(plan, held.pool_connection, None, sql, arguments, first)
        except BaseException:
            if not held.pool_connection.is_valid and held_connection(session) is held:
                hold_connection(session, None)  # lost or cancelled mid-query: not reused
                await held.release()
            raise
        finally:
            held.busy = False

    async def _read_borrowed(
        self,
        engine: Engine,
        params: Mapping[str, Any],
        first: bool,
        fallback: AsyncSession | AsyncEngine,
    ) -> list[ReadRow]:
        plan = self.plan(engine.dialect)
        if plan is None:
            if isinstance(fallback, AsyncSession):
                return await self._through(fallback, params, first)
            async with fallback.connect() as connection:
                return await self._through(connection, params, first)
        sql, arguments = plan.arguments(params)
        adapter = plan.adapter
        pool_connection = await borrow(engine, adapter)
        try:
            return await _run(plan, pool_connection, None, sql, arguments, first)
        finally:
            await give_back(pool_connection, adapter)

    async def _read_on(
        self,
        connection: Connection,
        fallback: AsyncSession | AsyncConnection,
        params: Mapping[str, Any],
        first: bool,
    ) -> list[ReadRow]:
        plan = self.plan(connection.dialect)
        if plan is None or connection.invalidated or connection.closed:
            return await self._through(fallback, params, first)
        pool_connection = connection.connection
        if not plan.adapter.in_transaction(pool_connection.driver_connection) and (
            not self._plain or "isolation_level" in connection.get_execution_options()
        ):
            # the transaction has not begun on the server: a statement that writes or locks,
            # or one whose isolation level needs the snapshot taken by it, goes through
            # SQLAlchemy, which begins it
            return await self._through(fallback, params, first)
        sql, arguments = plan.arguments(params)
        return await _run(plan, pool_connection, connection, sql, arguments, first)

    async def _through(
        self, executor: AsyncSession | AsyncConnection, params: Mapping[str, Any], first: bool
    ) -> list[ReadRow]:
        """The read through SQLAlchemy's own execution (drivers without a direct path, reads
        that must begin the transaction)."""
        unknown = [name for name in params if name not in self._names]
        missing = [name for name in self._required if name not in params]
        if unknown or missing:
            raise TypeError(
                f"parameters of this query: {', '.join(sorted(self._named())) or 'none'} "
                f"(unknown: {unknown or 'none'}, missing: {missing or 'none'})"
            )
        result = await executor.execute(self.statement, dict(params))
        cls = row_class(tuple(result.keys()))
        if first:
            row = result.first()
            records: Sequence[Any] = () if row is None else (row,)
        else:
            records = result.all()
        return [cls(*record) for record in records]

    def _named(self) -> list[str]:
        return [name for name in self._names if not name.startswith("%(")]  # not anonymous

    def _entity_name(self) -> str:
        selects = self.statement.selects if isinstance(self.statement, CompoundSelect) else []
        statement = selects[0] if selects else self.statement
        if isinstance(statement, Select):
            for description in statement.column_descriptions:
                entity = description.get("entity")
                if entity is not None:
                    return str(getattr(entity, "__name__", "Record"))
        return "Record"


def _held_connection(transaction: SessionTransaction | None, engine: Engine) -> Connection | None:
    """The connection a session's ``transaction`` holds for ``engine``'s pool, if any."""
    if transaction is None:
        return None
    pool = engine.pool
    for connection in transaction.connections:
        if connection.engine.pool is pool:
            return connection
    return None


async def _run(
    plan: ReadPlan,
    pool_connection: Any,
    connection: Connection | None,
    sql: str,
    arguments: Sequence[Any],
    first: bool,
) -> list[ReadRow]:
    """Run ``sql`` on ``pool_connection``'s driver and build the rows. ``connection`` is the
    SQLAlchemy connection it belongs to, if any (invalidated with it when it is lost)."""
    adapter = plan.adapter
    driver = pool_connection.driver_connection
    try:
        if plan.processors is None:
            columns = len(plan.result_types)
            plan.set_result_types(await adapter.type_codes(driver, sql, columns))
        records = await adapter.fetch(driver, sql, arguments, first)
    except Exception as error:
        raised, lost = translate_error(error, plan.dialect, adapter, pool_connection, sql)
        if lost:
            _invalidate(pool_connection, connection, error)
        raise raised from error
    except BaseException:  # cancelled mid-query: the connection's state is unknown
        _invalidate(pool_connection, connection, None)
        raise
    return make_rows(plan.row, records, plan.processors)


def _invalidate(
    pool_connection: Any, connection: Connection | None, error: BaseException | None
) -> None:
    invalidate(pool_connection, error)
    if connection is not None and not connection.invalidated:
        try:
            connection.invalidate(error)
        except Exception:  # closed meanwhile: nothing left to invalidate
            pass


def _count_error(count: int) -> sa_exc.InvalidRequestError:
    if count == 0:
        return sa_exc.NoResultFound("No row was found when one was required")
    return sa_exc.MultipleResultsFound("Multiple rows were found when exactly one was required")
