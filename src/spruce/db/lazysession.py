"""``LazyAsyncSession``: an ``AsyncSession`` that makes its ORM ``Session`` on first use.

Every handler that asks for ``session: AsyncSession`` gets one, but many never use the ORM with
it: they return early, or read through prepared reads (``spruce.db.prepare``), which need only
the session's bind and whether it holds a connection. Making a SQLAlchemy ``Session`` (identity
map, transaction state, weak references, registry entries) and collecting it afterwards costs
about 8 us, a tenth of a request that reads one row, so the battery's sessions make it only when
something asks for it: any ORM method or attribute does, exactly as SQLAlchemy's
``AsyncSession.__init__`` would have at construction. Closing a session that never made one
does nothing but give back the connection its prepared reads held.

The prepared reads of such a session share one pooled connection, as an ORM session's queries
do: the first read borrows it and the session keeps it (``hold_connection``) until it closes,
or until it makes its ORM session, which then takes its own.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

__all__ = [
    "HeldConnection",
    "LazyAsyncSession",
    "SessionArguments",
    "held_connection",
    "hold_connection",
    "is_materialized",
    "lazy_bind",
    "may_hold_connections",
    "never_hold_connections",
    "release_held_connection",
]

_SYNC = "_spruce_sync_session"
_ARGS = "_spruce_lazy_args"
_HELD = "_spruce_held_connection"
_NEVER_HOLD = "_spruce_never_hold"


class HeldConnection(Protocol):
    """A pooled connection a session keeps for its prepared reads."""

    def release_now(self) -> None:
        """Give it back without waiting (it has no transaction open)."""

    async def release(self) -> None:
        """Give it back."""


class SessionArguments:
    """What a ``LazyAsyncSession`` is made with (one instance, shared by every session a
    ``Database`` makes): ``AsyncSession``'s arguments, and the sync engine or connection
    ``bind`` stands for (None when sessions are bound per mapper)."""

    __slots__ = ("bind", "kw", "sync_bind")

    def __init__(self, bind: Any, kw: dict[str, Any]) -> None:
        self.bind = bind
        self.kw = kw
        self.sync_bind: Engine | Connection | None = None
        if not kw.get("binds"):
            if isinstance(bind, AsyncEngine):
                self.sync_bind = bind.sync_engine
            elif isinstance(bind, AsyncConnection):
                self.sync_bind = bind.sync_connection


class LazyAsyncSession(AsyncSession):
    """An ``AsyncSession`` whose sync ``Session`` is made when first needed. Behaves as an
    ``AsyncSession`` in every other way (it is one)."""

    def __init__(self, bind: Any = None, **kw: Any) -> None:
        self.__dict__[_ARGS] = SessionArguments(bind, kw)

    @classmethod
    def made_with(cls, arguments: SessionArguments) -> LazyAsyncSession:
        """A session made with ``arguments`` (the cheapest way to make many alike)."""
        session = cls.__new__(cls)
        session.__dict__[_ARGS] = arguments
        return session

    def _materialize(self) -> Session:
        held: HeldConnection | None = self.__dict__.pop(_HELD, None)
        if held is not None:  # the ORM session checks out its own
            held.release_now()
        arguments: SessionArguments = self.__dict__.pop(_ARGS)
        AsyncSession.__init__(self, arguments.bind, **arguments.kw)  # sets sync_session below
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
        """Give back the connection prepared reads held; close the ORM session, if one was
        ever made."""
        await release_held_connection(self)
        if _SYNC in self.__dict__:
            await super().close()


def is_materialized(session: AsyncSession) -> bool:
    """False for a ``LazyAsyncSession`` that has not made its ORM ``Session`` yet."""
    return _ARGS not in session.__dict__


def lazy_bind(session: AsyncSession) -> Engine | Connection | None:
    """The sync engine or connection a not yet materialized session would be bound to, or
    None when it is materialized (ask ``session.sync_session``) or bound per mapper."""
    arguments = session.__dict__.get(_ARGS)
    return None if arguments is None else arguments.sync_bind


def held_connection(session: AsyncSession) -> HeldConnection | None:
    """The connection ``session``'s prepared reads hold, if any."""
    return session.__dict__.get(_HELD)


def never_hold_connections(session: AsyncSession) -> None:
    """Let ``session``'s prepared reads each borrow a connection and give it straight back
    (a long-lived session, such as a WebSocket's, should not keep a pool slot between reads)."""
    session.__dict__[_NEVER_HOLD] = True


def may_hold_connections(session: AsyncSession) -> bool:
    """False for a session given ``never_hold_connections``."""
    return _NEVER_HOLD not in session.__dict__


def hold_connection(session: AsyncSession, held: HeldConnection | None) -> None:
    """Let a not yet materialized ``session`` keep ``held`` (None: forget it)."""
    if held is None:
        session.__dict__.pop(_HELD, None)
    else:
        session.__dict__[_HELD] = held


async def release_held_connection(session: AsyncSession) -> None:
    """Give back the connection ``session``'s prepared reads hold (nothing when none); reads
    after this one (a streamed response's, after its handler's session was closed) each borrow
    their own and give it straight back, since nobody would give back one they kept."""
    session.__dict__[_NEVER_HOLD] = True
    held: HeldConnection | None = session.__dict__.pop(_HELD, None)
    if held is not None:
        await held.release()
