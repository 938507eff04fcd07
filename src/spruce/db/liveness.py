"""A free liveness check on checkout: a pooled connection the server already closed is replaced
before a request gets it, without a round trip.

When PostgreSQL ends a connection (a restart, ``pg_terminate_backend``, an idle timeout) it says
so on the socket, and asyncpg marks the connection closed as soon as the event loop reads that.
Checking the mark when the pool hands the connection out costs nothing, so it runs always; the
pool then opens a fresh connection in its place. ``pool_pre_ping`` (a query per checkout) is
still there for networks that drop connections silently, where nothing arrives to be read.

Whatever slips through (a connection that dies while in use, or before the close was read) fails
its statement: the battery answers that one request with 503, and SQLAlchemy invalidates the
pool so every connection opened before the failure is replaced on its next checkout.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

__all__ = ["install_liveness_check"]


def _refuse_closed(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    if record.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def install_liveness_check(engine: Engine) -> None:
    """Replace connections the server has closed when ``engine``'s pool hands them out
    (asyncpg; other drivers cannot tell without a round trip)."""
    if engine.dialect.driver == "asyncpg":
        event.listen(engine, "checkout", _refuse_closed)
