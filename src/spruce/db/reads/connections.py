"""Connections for prepared reads: the one a session or connection already holds, one a
session's reads share (``HeldReadConnection``: borrowed at its first read, given back when it
closes), or one borrowed from the engine's pool for a single read and given straight back.

Borrowing goes through SQLAlchemy's own pool, so the pool size, the timeout (503 when it runs
out), recycling, the liveness check on checkout and ``pool_pre_ping`` all apply. The pool is
synchronous code that waits for I/O through greenlets; when a free connection is waiting in the
pool (and no pre-ping query is due) checking it out needs no I/O at all, so it is taken without
a greenlet, and an asyncpg connection with no transaction open goes back the same way. Anything
else (an empty pool, a connection to open or replace, a rollback to send) runs in a greenlet, as
SQLAlchemy's ``AsyncEngine`` runs it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.pool import Pool
from sqlalchemy.util.concurrency import greenlet_spawn

from ..translate import CONNECTS_IN_GREENLET_ONLY
from .drivers import DriverAdapter

__all__ = ["HeldReadConnection", "borrow", "give_back"]


def _checkout_without_io(pool: Pool, dialect: Dialect) -> Any | None:
    """A pooled connection when one is free and handing it out needs no I/O, else None."""
    checkedin = getattr(pool, "checkedin", None)
    if (
        checkedin is None
        or getattr(pool, "_pre_ping", True)
        or not getattr(dialect, CONNECTS_IN_GREENLET_ONLY, False)
        or not checkedin()
    ):
        return None
    try:
        return pool.connect()
    except sa_exc.MissingGreenlet:
        # the free connection had to be replaced (recycled, invalidated or closed by the
        # server): the pool has put it back, invalidated; the greenlet path reconnects it
        return None


async def borrow(engine: Engine, adapter: DriverAdapter) -> Any:
    """Check a connection out of ``engine``'s pool (a ``_ConnectionFairy``, as
    ``pool.connect()``)."""
    pool = engine.pool
    if adapter.returns_without_io:
        pool_connection = _checkout_without_io(pool, engine.dialect)
        if pool_connection is not None:
            return pool_connection
    return await greenlet_spawn(pool.connect)


async def give_back(pool_connection: Any, adapter: DriverAdapter) -> None:
    """Return a borrowed connection to its pool (rolled back first when the driver needs it)."""
    if not pool_connection.is_valid or (
        adapter.returns_without_io and not adapter.in_transaction(pool_connection.driver_connection)
    ):
        pool_connection.close()
    else:
        await greenlet_spawn(pool_connection.close)


class HeldReadConnection:
    """A pooled connection a session keeps for its prepared reads (drivers that give
    connections back without I/O only, so the session can let it go at any time). ``busy``
    while a read runs on it: a read that starts meanwhile borrows one of its own."""

    __slots__ = ("adapter", "busy", "pool_connection")

    def __init__(self, pool_connection: Any, adapter: DriverAdapter) -> None:
        self.pool_connection = pool_connection
        self.adapter = adapter
        self.busy = False

    def release_now(self) -> None:
        """Back to the pool at once: reads leave no transaction open, so there is nothing to
        roll back; a connection that has one anyway (or is in use) is dropped, not reused."""
        connection = self.pool_connection
        if connection.is_valid and (
            self.busy or self.adapter.in_transaction(connection.driver_connection)
        ):
            try:
                connection.invalidate()
            except Exception:  # already closed: the pool replaces it
                pass
        connection.close()

    async def release(self) -> None:
        """Back to the pool."""
        await give_back(self.pool_connection, self.adapter)
