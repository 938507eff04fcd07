"""Sessions: one unit of work per request, committed when the handler returns normally and
rolled back when it raises.

Handlers ask for a session by type: ``db: AsyncSession`` in an ``async def`` handler, ``db:
Session`` in a plain ``def`` one (it runs in the thread pool, and so do the commit and the
rollback). Nothing is opened until the session is first used, so a handler that asks for one and
returns early costs nothing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.util.concurrency import in_greenlet

from ..concurrency import is_async_callable, run_sync
from ..exceptions import ImproperlyConfigured
from .exceptions import LazyLoadError
from .lazysession import is_materialized, never_hold_connections, release_held_connection
from .transactions import opened_no_transaction

if TYPE_CHECKING:
    from .battery import Database

__all__ = ["GuardedSession", "async_session_provider", "safe_rollback", "sync_session_provider"]

logger = logging.getLogger("spruce.db")


class GuardedSession(Session):
    """The sync half of every ``AsyncSession`` Spruce makes: it turns SQLAlchemy's obscure
    "greenlet_spawn has not been called" failure on implicit loads into a ``LazyLoadError``
    that names the attribute and says how to load it."""


@event.listens_for(GuardedSession, "do_orm_execute")
def _refuse_implicit_io(state: ORMExecuteState) -> None:
    if not (state.is_relationship_load or state.is_column_load) or in_greenlet():
        return
    path = state.loader_strategy_path
    if state.is_relationship_load and path is not None and len(path.path) >= 2:
        owner = path.path[-2].class_.__name__  # type: ignore[union-attr]
        name = path.path[-1].key  # type: ignore[union-attr]
        target = f"{owner}.{name}"
        variable = owner.lower()
        raise LazyLoadError(
            f"{target} is not loaded, and an async session cannot load it on attribute access. "
            f"Load it with the query: select({owner}).options(selectinload({target})); or "
            f"await {variable}.awaitable_attrs.{name}; or await session.refresh({variable}, "
            f"[{name!r}])."
        )
    mapper = state.bind_mapper
    owner = mapper.class_.__name__ if mapper is not None else "the object"
    raise LazyLoadError(
        f"an attribute of {owner} is expired or deferred, and an async session cannot load it on "
        "attribute access. Use undefer(...) in the query, await obj.awaitable_attrs.<name>, or "
        "await session.refresh(obj); Spruce's sessions do not expire objects on commit."
    )


async def safe_rollback(session: AsyncSession) -> None:
    try:
        await session.rollback()
    except Exception:  # the original error matters more; a dead connection is replaced anyway
        logger.warning("rollback failed", exc_info=True)


def async_session_provider(
    database: Database,
) -> Callable[[Any], AsyncIterator[AsyncSession]]:
    """The provider behind ``db: AsyncSession``: commit on return, rollback on any exception."""

    async def provide_async_session(request: Any) -> AsyncIterator[AsyncSession]:
        session = database.new_session()
        if request.scope["type"] == "websocket":  # it may live for hours: reads keep nothing
            never_hold_connections(session)
        try:
            yield session
        except BaseException:
            if is_materialized(session):  # else there is nothing to roll back
                await safe_rollback(session)
                await session.close()
            else:
                await release_held_connection(session)
            raise
        if not is_materialized(session):
            await release_held_connection(session)  # what its prepared reads shared
        elif not _untouched(session.sync_session):
            await session.run_sync(_finish)  # one trip to the sync side, not two

    return provide_async_session


def _untouched(session: Session) -> bool:
    """True for a session that never began a transaction and holds nothing to write (the
    handler did not use it): there is nothing to commit, release or forget."""
    return not (
        session.in_transaction()
        or session.new
        or session.deleted
        or session.dirty
        or session.identity_map
    )


def _has_work_to_commit(session: Session) -> bool:
    """False when committing would do nothing but release the connection: no pending changes,
    no transaction open in the driver (begin on write: nothing was written) and nobody
    listening for the commit. ``close()`` then does the same for less."""
    if session.new or session.dirty or session.deleted or session.dispatch.after_commit:
        return True
    transaction = session.get_transaction()
    if transaction is None:
        return False
    return not all(opened_no_transaction(c) for c in transaction.connections)


def _finish(session: Session) -> None:
    """Commit the request's unit of work (when it has one) and close the session."""
    try:
        if _has_work_to_commit(session):
            session.commit()
    finally:
        session.close()


def _rollback_and_close(session: Session) -> None:
    try:
        session.rollback()
    except Exception:
        logger.warning("rollback failed", exc_info=True)
    finally:
        session.close()


def _check_sync_handler(request: Any) -> None:
    route = getattr(request, "route", None)
    endpoint = getattr(route, "endpoint", None)
    if endpoint is not None and is_async_callable(endpoint):
        raise ImproperlyConfigured(
            f"handler {getattr(endpoint, '__qualname__', endpoint)} is async but asks for a sync "
            "Session, which would block the event loop: annotate it as AsyncSession (from "
            "sqlalchemy.ext.asyncio), or make the handler a plain def"
        )


def sync_session_provider(database: Database) -> Callable[[Any], AsyncIterator[Session]]:
    """The provider behind ``db: Session`` in sync handlers; commit or rollback runs in the
    thread pool."""

    async def provide_sync_session(request: Any) -> AsyncIterator[Session]:
        _check_sync_handler(request)
        session = database.new_sync_session()
        try:
            yield session
        except BaseException:
            await run_sync(_rollback_and_close, session)
            raise
        await run_sync(_finish, session)

    return provide_sync_session
