"""Turning driver errors into the battery's exceptions, at the engine, as they are raised.

Two engine events do the work: ``handle_error`` replaces a SQLAlchemy ``IntegrityError`` with the
matching ``IntegrityViolation`` and a lost connection with ``DatabaseUnavailable``; ``do_connect``
turns a refused or timed-out connection attempt (which drivers report in many different ways,
some of them plain ``OSError``) into ``DatabaseUnavailable``. Code that catches SQLAlchemy's own
classes keeps working: the replacements subclass them.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect, Engine, ExceptionContext
from sqlalchemy.util.concurrency import in_greenlet

from .exceptions import (
    CheckViolation,
    DatabaseUnavailable,
    ForeignKeyViolation,
    IntegrityViolation,
    NotNullViolation,
    UniqueViolation,
)

__all__ = ["CONNECTS_IN_GREENLET_ONLY", "install_error_translation", "integrity_violation"]

CONNECTS_IN_GREENLET_ONLY = "spruce_connects_in_greenlet_only"
"""Set on the dialect of engines whose connection attempts outside a greenlet fail at once
(``MissingGreenlet``) instead of leaving the driver's coroutine unawaited."""

_PG_KINDS: dict[str, type[IntegrityViolation]] = {
    "23505": UniqueViolation,
    "23503": ForeignKeyViolation,
    "23502": NotNullViolation,
    "23514": CheckViolation,
}
_SQLITE_KINDS: dict[str, type[IntegrityViolation]] = {
    "UNIQUE": UniqueViolation,
    "PRIMARYKEY": UniqueViolation,
    "FOREIGNKEY": ForeignKeyViolation,
    "NOTNULL": NotNullViolation,
    "CHECK": CheckViolation,
}
_KEY_COLUMNS = re.compile(r"Key \((?P<columns>.+?)\)=")
_SQLITE_MESSAGE = re.compile(r"^(?P<kind>[A-Z ]+) constraint failed(?:: (?P<rest>.*))?$")


def _split_columns(text: str) -> list[str]:
    return [part.strip().strip('"') for part in text.split(",") if part.strip()]


def _postgres_details(orig: BaseException) -> dict[str, Any] | None:
    """sqlstate, table, column, constraint and detail from asyncpg or psycopg errors."""
    source: Any = orig.__cause__ if getattr(orig.__cause__, "sqlstate", None) else orig
    sqlstate = getattr(source, "sqlstate", None)
    if not sqlstate:
        return None
    diag = getattr(source, "diag", None)  # psycopg keeps the fields on .diag
    fields = diag if diag is not None else source
    return {
        "sqlstate": sqlstate,
        "table": getattr(fields, "table_name", None),
        "column": getattr(fields, "column_name", None),
        "constraint": getattr(fields, "constraint_name", None),
        "detail": (getattr(fields, "message_detail", None) if diag is not None else None)
        or getattr(source, "detail", None)
        or "",
    }


def _from_postgres(error: sa_exc.IntegrityError, info: dict[str, Any]) -> IntegrityViolation:
    cls = _PG_KINDS.get(info["sqlstate"], IntegrityViolation)
    detail: str = info["detail"]
    match = _KEY_COLUMNS.search(detail)
    columns = _split_columns(match["columns"]) if match else []
    if not columns and info["column"]:
        columns = [info["column"]]
    if cls is ForeignKeyViolation:
        return ForeignKeyViolation(
            error,
            table=info["table"],
            columns=columns,
            constraint=info["constraint"],
            still_referenced="still referenced" in detail,
        )
    return cls(error, table=info["table"], columns=columns, constraint=info["constraint"])


def _from_sqlite(error: sa_exc.IntegrityError) -> IntegrityViolation:
    orig = error.orig
    name = str(getattr(orig, "sqlite_errorname", ""))
    message = str(orig.args[0]) if orig is not None and orig.args else ""
    found = _SQLITE_MESSAGE.match(message)
    kind_word = (found["kind"] if found else "").replace(" ", "")
    cls = _SQLITE_KINDS.get(name.rpartition("_")[2]) or _SQLITE_KINDS.get(kind_word)
    rest = (found["rest"] or "") if found else ""
    table: str | None = None
    columns: list[str] = []
    constraint: str | None = None
    if cls is CheckViolation:
        constraint = rest or None
    elif rest:
        qualified = _split_columns(rest)  # "user.email, user.name"
        table = qualified[0].rpartition(".")[0] or None
        columns = [item.rpartition(".")[2] for item in qualified]
    if cls is ForeignKeyViolation:
        statement = (error.statement or "").lstrip().upper()
        return ForeignKeyViolation(error, still_referenced=statement.startswith("DELETE"))
    return (cls or IntegrityViolation)(error, table=table, columns=columns, constraint=constraint)


def integrity_violation(error: sa_exc.IntegrityError) -> IntegrityViolation:
    """The ``IntegrityViolation`` subclass that describes ``error`` (any backend)."""
    if isinstance(error, IntegrityViolation):
        return error
    orig = error.orig
    if orig is not None:
        info = _postgres_details(orig)
        if info is not None:
            return _from_postgres(error, info)
        if type(orig).__module__.startswith("sqlite3") or hasattr(orig, "sqlite_errorname"):
            return _from_sqlite(error)
    return IntegrityViolation(error)


def _on_error(context: ExceptionContext) -> BaseException | None:
    if context.is_pre_ping:  # the pool handles failed pings by reconnecting
        return None
    error = context.sqlalchemy_exception
    if isinstance(error, sa_exc.IntegrityError) and not isinstance(error, IntegrityViolation):
        return integrity_violation(error)
    if context.is_disconnect and not isinstance(error, DatabaseUnavailable):
        return DatabaseUnavailable(
            "the connection to the database was lost",
            context.original_exception,
            statement=context.statement,
            connection_invalidated=True,
        )
    return None


def _connect_errors(dialect: Dialect) -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError, TimeoutError]
    dbapi = dialect.loaded_dbapi
    for name in ("OperationalError", "InterfaceError"):
        cls = getattr(dbapi, name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            errors.append(cls)
    asyncpg = sys.modules.get("asyncpg")
    if asyncpg is not None:  # raised as they are by asyncpg.connect
        errors += [asyncpg.PostgresConnectionError, asyncpg.InterfaceError]
        errors += [asyncpg.CannotConnectNowError, asyncpg.TooManyConnectionsError]
    return tuple(errors)


def install_error_translation(engine: Engine) -> None:
    """Make ``engine`` (a sync engine, or an async engine's ``sync_engine``) raise the battery's
    exceptions for constraint violations and connection failures."""
    event.listen(engine, "handle_error", _on_error)
    dialect = engine.dialect
    errors = _connect_errors(dialect)

    def connect(
        dialect: Dialect, record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]
    ) -> Any:
        if dialect.is_async and not in_greenlet():
            # what the driver would raise, but before it makes a coroutine nobody awaits:
            # prepared reads try the pool without a greenlet and retry in one when it must
            # connect (spruce.db.reads.connections)
            raise sa_exc.MissingGreenlet("opening a connection needs a greenlet")
        try:
            return dialect.connect(*cargs, **cparams)
        except errors as exc:
            raise DatabaseUnavailable("cannot connect to the database", exc) from exc

    event.listen(engine, "do_connect", connect)
    setattr(dialect, CONNECTS_IN_GREENLET_ONLY, True)
