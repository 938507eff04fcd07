"""Query helpers that answer 404 instead of returning ``None``.

    post = await get_or_404(session, Post, post_id)
    post = await first_or_404(session, select(Post).where(Post.slug == slug))

With a sync ``Session`` the same calls return the object directly (no ``await``). They take
typed values and SQLAlchemy statements only: nothing here builds SQL from strings.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar, overload

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from ..exceptions import NotFound

__all__ = ["first_or_404", "get_or_404", "one_or_404"]

T = TypeVar("T")


def _not_found(what: str, detail: str | None) -> NotFound:
    return NotFound(detail or f"{what} not found")


def _found(value: T | None, what: str, detail: str | None) -> T:
    if value is None:
        raise _not_found(what, detail)
    return value


def _entity_name(statement: Select[Any]) -> str:
    descriptions = statement.column_descriptions
    entity = descriptions[0].get("entity") if descriptions else None
    return getattr(entity, "__name__", "Record")


@overload
def get_or_404(
    session: AsyncSession,
    model: type[T],
    ident: Any,
    *,
    options: Sequence[ORMOption] = (),
    detail: str | None = None,
) -> Awaitable[T]: ...
@overload
def get_or_404(
    session: Session,
    model: type[T],
    ident: Any,
    *,
    options: Sequence[ORMOption] = (),
    detail: str | None = None,
) -> T: ...
def get_or_404(
    session: AsyncSession | Session,
    model: type[T],
    ident: Any,
    *,
    options: Sequence[ORMOption] = (),
    detail: str | None = None,
) -> Awaitable[T] | T:
    """The ``model`` row with primary key ``ident``, or 404 (``detail`` overrides the message)."""
    what = model.__name__
    if isinstance(session, AsyncSession):

        async def get_async() -> T:
            return _found(await session.get(model, ident, options=options), what, detail)

        return get_async()
    return _found(session.get(model, ident, options=options), what, detail)


@overload
def first_or_404(
    session: AsyncSession, statement: Select[T], *, detail: str | None = None
) -> Awaitable[T]: ...
@overload
def first_or_404(session: Session, statement: Select[T], *, detail: str | None = None) -> T: ...
def first_or_404(
    session: AsyncSession | Session, statement: Select[T], *, detail: str | None = None
) -> Awaitable[T] | T:
    """The first row of ``statement`` (its first column: the entity for ``select(Model)``), or
    404. Only one row is fetched."""
    what = _entity_name(statement)
    limited = statement.limit(1)
    if isinstance(session, AsyncSession):

        async def first_async() -> T:
            return _found((await session.scalars(limited)).first(), what, detail)

        return first_async()
    return _found(session.scalars(limited).first(), what, detail)


@overload
def one_or_404(
    session: AsyncSession, statement: Select[T], *, detail: str | None = None
) -> Awaitable[T]: ...
@overload
def one_or_404(session: Session, statement: Select[T], *, detail: str | None = None) -> T: ...
def one_or_404(
    session: AsyncSession | Session, statement: Select[T], *, detail: str | None = None
) -> Awaitable[T] | T:
    """The only row of ``statement``, or 404; more than one row raises
    ``sqlalchemy.exc.MultipleResultsFound`` (a bug in the query, so a 500)."""
    what = _entity_name(statement)
    if isinstance(session, AsyncSession):

        async def one_async() -> T:
            return _found((await session.scalars(statement)).one_or_none(), what, detail)

        return one_async()
    return _found(session.scalars(statement).one_or_none(), what, detail)
