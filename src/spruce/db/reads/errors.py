"""Driver errors of prepared reads, raised as the rest of the battery raises them.

A prepared read calls its driver directly, so SQLAlchemy's error handling (and the battery's
``handle_error`` listener, ``spruce.db.translate``) is not on the way. This module does the same
job: a lost connection is invalidated -- and every connection of the pool opened before it is
replaced on its next checkout, as SQLAlchemy does -- and raised as ``DatabaseUnavailable`` (503);
anything else becomes the ``sqlalchemy.exc.DBAPIError`` subclass SQLAlchemy would raise
(constraint violations the battery's ``IntegrityViolation``), its parameters hidden.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect

from ..exceptions import DatabaseUnavailable
from ..translate import integrity_violation
from .drivers import DriverAdapter

__all__ = ["invalidate", "translate_error"]

logger = logging.getLogger("spruce.db")


def _dbapi_error(error: BaseException, dialect: Dialect) -> BaseException:
    """``error`` as the DBAPI exception SQLAlchemy's driver adapter would raise for it."""
    dbapi = dialect.loaded_dbapi
    if isinstance(error, dbapi.Error):
        return error
    # SQLAlchemy's asyncpg adapter maps asyncpg's exceptions onto DBAPI classes
    mapping: dict[type, Any] = getattr(dbapi, "_asyncpg_error_translate", None) or {}
    for cls in type(error).__mro__:
        if cls in mapping:
            message = error.args[0] if error.args else str(error)
            translated: BaseException = mapping[cls](message, error)
            translated.__cause__ = error
            return translated
    return error


def _is_lost(
    error: BaseException,
    dbapi_error: BaseException,
    dialect: Dialect,
    adapter: DriverAdapter,
    pool_connection: Any,
) -> bool:
    """True when ``error`` means the connection is gone."""
    if isinstance(dbapi_error, dialect.loaded_dbapi.Error):
        try:
            if dialect.is_disconnect(dbapi_error, pool_connection.dbapi_connection, None):
                return True
        except Exception:  # a driver that cannot tell: judge by the connection below
            pass
    driver_connection = getattr(pool_connection, "driver_connection", None)
    if driver_connection is not None and adapter.is_closed(driver_connection):
        return True
    return isinstance(error, (OSError, ConnectionError))


def invalidate(pool_connection: Any, error: BaseException | None) -> None:
    """Invalidate ``pool_connection`` (a pool's connection fairy) and, as SQLAlchemy does after
    a disconnect, every connection its pool opened before it."""
    pool = getattr(pool_connection, "_pool", None)
    invalidate_pool = getattr(pool, "_invalidate", None)
    try:
        if invalidate_pool is not None and error is not None:
            invalidate_pool(pool_connection, error)
        elif pool_connection.is_valid:
            pool_connection.invalidate(error)
    except Exception:  # a connection that cannot even be closed is dropped anyway
        logger.debug("invalidating a connection failed", exc_info=True)


def translate_error(
    error: Exception,
    dialect: Dialect,
    adapter: DriverAdapter,
    pool_connection: Any,
    sql: str,
) -> tuple[Exception, bool]:
    """(exception to raise, lost): the battery's exception for a driver ``error`` raised by a
    prepared read on ``pool_connection``; ``lost`` when the connection is gone (the caller
    invalidates it)."""
    dbapi_error = _dbapi_error(error, dialect)
    lost = _is_lost(error, dbapi_error, dialect, adapter, pool_connection)
    if lost:
        return (
            DatabaseUnavailable(
                "the connection to the database was lost",
                error,
                statement=sql,
                connection_invalidated=True,
            ),
            True,
        )
    dbapi_base = dialect.loaded_dbapi.Error
    if not isinstance(dbapi_error, dbapi_base):
        return error, False
    wrapped = sa_exc.DBAPIError.instance(
        sql,
        None,
        dbapi_error,
        dbapi_base,
        hide_parameters=True,
        dialect=dialect,
    )
    if isinstance(wrapped, sa_exc.IntegrityError):
        return integrity_violation(wrapped), False
    return wrapped, False
