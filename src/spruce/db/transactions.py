"""Begin on write: a session's reads run before its transaction begins, so a request that only
reads costs one round trip per query (no ``BEGIN``, no ``COMMIT``).

A PostgreSQL driver opens a transaction with its own round trip (``BEGIN``) before the first
statement, and the session closes it with another (``COMMIT``). For a request that only reads
both are pure overhead: under READ COMMITTED, PostgreSQL's default, every statement takes a fresh
snapshot whether it runs inside a transaction or not, so a plain ``SELECT`` sees the same rows
either way. Spruce's sessions therefore run plain reads in the driver's autocommit mode while
no transaction is open, and let the driver begin the transaction just before the first
statement that might write. From then on every statement of the unit of work, reads included,
is inside that transaction, which commits or rolls back as a whole.

A statement counts as a plain read when it is a ``select()`` (or a union of them) -- which
includes ``session.get()``, relationship loaders and ``select(Model)`` queries -- that locks
nothing (no ``FOR UPDATE``/``FOR SHARE``), embeds no textual SQL and calls only SQL functions
known to have no side effects (``count``, ``max``, ``lower``, ``coalesce``, ``now``...). Anything
else begins the transaction first: a flush, ``insert``/``update``/``delete``, ``text()`` and
``exec_driver_sql``, savepoints, DDL, and a ``select`` calling any other function (``nextval``,
``pg_advisory_xact_lock``, your own functions), which might write or take a transaction-scoped
lock. A mistake in this list can only cost a round trip, never atomicity, because the unknown
is treated as a write.

It applies to connections whose execution options carry ``BEGIN_ON_WRITE`` (the battery's
sessions) and only while they use the default isolation level: a session that asks for
``isolation_level`` (``REPEATABLE READ`` needs its snapshot from the first read) gets the
driver's usual behaviour. Supported drivers: asyncpg and psycopg (sync); others are untouched.
A connection is given back to the pool in the mode it came in.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import functions, visitors
from sqlalchemy.sql.elements import ColumnClause, TextClause
from sqlalchemy.sql.selectable import CompoundSelect, Select

__all__ = [
    "BEGIN_ON_WRITE",
    "install_begin_on_write",
    "is_plain_read",
    "opened_no_transaction",
    "supports_begin_on_write",
]

BEGIN_ON_WRITE = "spruce_begin_on_write"
"""The execution option that turns the behaviour on for a connection (or an engine's copy)."""

_SWITCHED = "spruce_autocommit"  # connection-record key: we put this connection in autocommit

SIDE_EFFECT_FREE_FUNCTIONS = frozenset(
    {
        # aggregates and window functions
        "avg", "bool_and", "bool_or", "count", "every", "json_agg", "jsonb_agg",
        "json_object_agg", "jsonb_object_agg", "max", "min", "row_number", "string_agg",
        "sum", "ntile", "lag", "lead", "first_value", "last_value", "nth_value",
        # text
        "btrim", "char_length", "concat", "concat_ws", "initcap", "left", "length", "lower",
        "lpad", "ltrim", "md5", "position", "regexp_replace", "replace", "right", "rpad",
        "rtrim", "split_part", "strpos", "substr", "substring", "to_tsquery", "to_tsvector",
        "plainto_tsquery", "websearch_to_tsquery", "ts_rank", "trim", "unaccent", "upper",
        # numbers
        "abs", "ceil", "ceiling", "div", "floor", "greatest", "least", "mod", "power",
        "round", "sign", "sqrt", "trunc",
        # conditionals and casts
        "coalesce", "ifnull", "nullif",
        # dates and times (the SQLite ones too)
        "age", "date", "date_part", "date_trunc", "datetime", "extract", "julianday",
        "make_date", "strftime", "time", "to_char", "to_date", "to_timestamp", "unixepoch",
        # JSON and arrays
        "array_length", "array_to_string", "cardinality", "json_array_length",
        "json_build_array", "json_build_object", "json_extract", "jsonb_array_length",
        "jsonb_build_array", "jsonb_build_object", "jsonb_extract_path",
        "jsonb_extract_path_text", "unnest",
    }
)  # fmt: skip
"""Functions a plain read may call besides SQLAlchemy's own generic ones (``func.count``,
``func.now``...); any other function makes the statement begin the transaction first."""

_SQLALCHEMY_FUNCTIONS_MODULE = functions.__name__


def _is_side_effect_free(function: functions.FunctionElement[Any]) -> bool:
    if isinstance(function, functions.next_value):
        return False
    if type(function).__module__ == _SQLALCHEMY_FUNCTIONS_MODULE and isinstance(
        function, functions.GenericFunction
    ):
        return True
    name = getattr(function, "name", "")
    return isinstance(name, str) and name.lower() in SIDE_EFFECT_FREE_FUNCTIONS


def is_plain_read(statement: Any) -> bool:
    """True when ``statement`` (a SQLAlchemy construct) reads without writing or locking
    anything, so it may run before the transaction begins."""
    if not isinstance(statement, (Select, CompoundSelect)):
        return False
    for element in visitors.iterate(statement):
        if isinstance(element, Select):
            if element._for_update_arg is not None:
                return False
        elif isinstance(element, functions.FunctionElement):
            if not _is_side_effect_free(element):
                return False
        elif isinstance(element, TextClause) or getattr(element, "is_dml", False):
            return False
        elif isinstance(element, ColumnClause) and element.is_literal and "(" in element.name:
            return False  # literal_column("some_function(...)")
    return True


class _ReadCache:
    """``is_plain_read`` answers per compiled statement (compiled once, executed many times)."""

    def __init__(self) -> None:
        self._answers: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()

    def __call__(self, compiled: Any) -> bool:
        try:
            return self._answers[compiled]
        except KeyError:
            answer = is_plain_read(compiled.statement)
            self._answers[compiled] = answer
            return answer


def _asyncpg_idle(driver_connection: Any) -> bool:
    return not driver_connection.is_in_transaction()


def _psycopg_idle(driver_connection: Any) -> bool:
    from psycopg.pq import TransactionStatus

    return bool(driver_connection.info.transaction_status == TransactionStatus.IDLE)


_IDLE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "asyncpg": _asyncpg_idle,
    "psycopg": _psycopg_idle,
}


def opened_no_transaction(connection: Connection) -> bool:
    """True when ``connection``'s driver is known to have no transaction open: under begin on
    write, nothing it ran could have written. False when open, or when the driver is not one
    begin-on-write drives (SQLite begins for reads too)."""
    dialect = connection.dialect
    is_idle = _IDLE_CHECKS.get(dialect.driver) if dialect.name == "postgresql" else None
    if is_idle is None or connection.closed or connection.invalidated:
        return False
    return is_idle(connection.connection.driver_connection)


def supports_begin_on_write(engine: Engine) -> bool:
    """True when ``engine``'s driver is one that begin-on-write knows how to drive."""
    dialect = engine.dialect
    return dialect.name == "postgresql" and dialect.driver in _IDLE_CHECKS


def install_begin_on_write(engine: Engine) -> None:
    """Make connections of ``engine`` (a sync engine, or an async engine's ``sync_engine``)
    that carry the ``BEGIN_ON_WRITE`` option run plain reads outside a transaction."""
    if not supports_begin_on_write(engine):
        return
    is_idle = _IDLE_CHECKS[engine.dialect.driver]
    plain_read = _ReadCache()

    def before_cursor_execute(
        connection: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> tuple[str, Any]:
        options = context.execution_options if context is not None else {}
        pooled = connection.connection
        if not options.get(BEGIN_ON_WRITE) or "isolation_level" in options:
            read = False  # the driver's usual behaviour (if a plain read left autocommit on)
            if not pooled.info.get(_SWITCHED) or not is_idle(pooled.driver_connection):
                return statement, parameters
        elif not is_idle(pooled.driver_connection):
            return statement, parameters  # inside the transaction already: nothing to decide
        else:
            compiled = context.compiled
            read = compiled is not None and not context.isddl and plain_read(compiled)
        dbapi_connection = pooled.dbapi_connection
        if dbapi_connection.autocommit != read:
            dbapi_connection.autocommit = read
            pooled.info[_SWITCHED] = read
        return statement, parameters

    def on_checkin(dbapi_connection: Any, record: Any) -> None:
        if record is None or not record.info.pop(_SWITCHED, False) or dbapi_connection is None:
            return
        try:
            dbapi_connection.autocommit = False
        except Exception:  # a broken connection: it must not be handed out in autocommit
            record.invalidate()

    event.listen(engine, "before_cursor_execute", before_cursor_execute, retval=True)
    event.listen(engine, "checkin", on_checkin)
