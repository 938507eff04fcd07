"""``LazyAsyncSession``: an ``AsyncSession`` that makes its ORM ``Session`` on first use.

Every handler that asks for ``session: AsyncSession`` gets one, but many never use the ORM with
it: they return early, or read through prepared reads (``spruce.db.prepare``), which need only
the session's bind and whether it holds a connection. Making a SQLAlchemy ``Session`` (identity
map, transaction state, weak references, registry entries) and collecting it afterwards costs
about as much as a fast read's own Python work, so the battery's sessions make it only when
something asks for it: any ORM method or attribute does, exactly as SQLAlchemy's
``AsyncSession.__init__`` would have at construction. Closing a session that never made one
does nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

__all__ = ["LazyAsyncSession", "is_materialized", "lazy_bind"]

_SYNC = "_spruce_sync_session"
_ARGS = "_spruce_lazy_args"


class LazyAsyncSession(AsyncSession):
    """An ``AsyncSession`` whose sync ``Session`` is made when first needed. Behaves as an
    ``AsyncSession`` in every other way (it is one)."""

    def __init__(self, bind: Any = None, **kw: Any) -> None:
        self.__dict__[_ARGS] = (bind, kw)
        self._async_bind = bind
        self._async_binds = dict(kw["binds"]) if kw.get("binds") else {}

    def _materialize(self) -> Session:
        bind, kw = self.__dict__.pop(_ARGS)
        AsyncSession.__init__(self, bind, **kw)  # sets sync_session and _proxied below
        return self.__dict__[_SYNC]  # type: ignore[no-any-return]

    @property
    def sync_session(self) -> Session:
        """The ORM ``Session`` behind this one (made now if it was not yet)."""
        try:
            return self.__dict__[_SYNC]  # type: ignore[no-any-return]
        except KeyError:
            return self._materialize()

    @sync_session.setter
    def sync_session(self, session: Session) -> None:
        self.__dict__[_SYNC] = session

    @property
    def _proxied(self) -> Session:
        return self.sync_session

    @_proxied.setter
    def _proxied(self, session: Session) -> None:
        self.__dict__[_SYNC] = session

    async def close(self) -> None:
        """Close the ORM session, if one was ever made."""
        if _SYNC in self.__dict__:
            await super().close()


def is_materialized(session: AsyncSession) -> bool:
    """False for a ``LazyAsyncSession`` that has not made its ORM ``Session`` yet."""
    return _ARGS not in session.__dict__


def lazy_bind(session: AsyncSession) -> Engine | Connection | None:
    """The sync engine or connection a not yet materialized session would be bound to, or
    None when it is materialized (ask ``session.sync_session``) or bound per mapper."""
    args = session.__dict__.get(_ARGS)
    if args is None:
        return None
    bind, kw = args
    if kw.get("binds"):
        return None
    if isinstance(bind, AsyncEngine):
        return bind.sync_engine
    if isinstance(bind, AsyncConnection):
        return bind.sync_connection
    return None
