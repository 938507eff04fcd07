"""Pagination: one ``Page`` object that templates and JSON answers both use.

    page = await paginate(session, select(Post).order_by(Post.id), request=request)
    return page.map(PostOut.model_validate).to_dict()      # JSON
    return render("posts.html", page=page)                  # template: page.items, page.next_url

``?page=`` and ``?per_page=`` come from the request (or the arguments); ``per_page`` is capped by
``max_per_page``; a page number below 1, not a number, or past the last page is a 404. Give the
statement an ``ORDER BY``: without one, rows can move between pages.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload
from urllib.parse import urlencode

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ..exceptions import NotFound

__all__ = ["Page", "paginate"]

T = TypeVar("T")
U = TypeVar("U")

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results, with what navigation needs.

    ``base_path`` and ``query`` (the request's path and other query parameters) let
    ``next_url``/``prev_url``/``url_for_page`` keep filters while changing ``page``.
    """

    items: Sequence[T]
    page: int
    per_page: int
    total: int
    base_path: str | None = None
    query: tuple[tuple[str, str], ...] = field(default=())

    @property
    def pages(self) -> int:
        """How many pages there are (0 when there are no rows)."""
        return math.ceil(self.total / self.per_page) if self.per_page else 0

    @property
    def has_next(self) -> bool:
        """Is there a page after this one?"""
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        """Is there a page before this one?"""
        return self.page > 1

    @property
    def next_page(self) -> int | None:
        """The next page number, or ``None`` on the last page."""
        return self.page + 1 if self.has_next else None

    @property
    def prev_page(self) -> int | None:
        """The previous page number, or ``None`` on the first page."""
        return self.page - 1 if self.has_prev else None

    def url_for_page(self, number: int) -> str | None:
        """The URL of page ``number`` (same path and filters); ``None`` without a request."""
        if self.base_path is None:
            return None
        pairs = [(k, v) for k, v in self.query if k != "page"] + [("page", str(number))]
        return f"{self.base_path}?{urlencode(pairs)}"

    @property
    def next_url(self) -> str | None:
        """The URL of the next page, or ``None``."""
        return self.url_for_page(self.page + 1) if self.has_next else None

    @property
    def prev_url(self) -> str | None:
        """The URL of the previous page, or ``None``."""
        return self.url_for_page(self.page - 1) if self.has_prev else None

    def iter_pages(self, edge: int = 2, around: int = 2) -> Iterator[int | None]:
        """Page numbers for a pager: the first and last ``edge`` pages and ``around`` pages on
        each side of the current one; ``None`` marks a gap (render it as an ellipsis)."""
        previous = 0
        for number in range(1, self.pages + 1):
            if number <= edge or number > self.pages - edge or abs(number - self.page) <= around:
                if number != previous + 1:
                    yield None
                yield number
                previous = number

    def map(self, transform: Callable[[T], U]) -> Page[U]:
        """The same page with each item transformed (to a pydantic model, a dict...)."""
        return Page(
            [transform(item) for item in self.items],
            self.page,
            self.per_page,
            self.total,
            self.base_path,
            self.query,
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: ``items`` plus ``page``, ``per_page``, ``total``, ``pages``, ``next``
        and ``prev`` URLs. Map ORM objects to something serialisable first (``map``)."""
        return {
            "items": list(self.items),
            "page": self.page,
            "per_page": self.per_page,
            "total": self.total,
            "pages": self.pages,
            "next": self.next_url,
            "prev": self.prev_url,
        }

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def _number(text: str | None, default: int, name: str) -> int:
    if text is None or text == "":
        return default
    stripped = text.strip()
    if not stripped.isascii() or not stripped.isdigit():
        raise NotFound(f"{name} must be a positive whole number")
    if len(stripped) > 18:  # no page that far exists (and int() refuses past 4300 digits)
        raise NotFound(f"{name} is out of range")
    return int(stripped)


@dataclass(slots=True)
class _Request:
    page: int
    per_page: int
    base_path: str | None
    query: tuple[tuple[str, str], ...]


def _read(
    request: Any, page: int | None, per_page: int | None, max_per_page: int, default: int
) -> _Request:
    base_path: str | None = None
    query: tuple[tuple[str, str], ...] = ()
    if request is not None:
        params = request.query_params
        if page is None:
            page = _number(params.get("page"), 1, "page")
        if per_page is None:
            per_page = _number(params.get("per_page"), default, "per_page")
        base_path = request.scope.get("root_path", "") + request.scope["path"]
        query = tuple(params.multi_items())
    page = 1 if page is None else page
    per_page = default if per_page is None else per_page
    if page < 1:
        raise NotFound("page must be 1 or more")
    per_page = max(1, min(per_page, max_per_page))
    return _Request(page, per_page, base_path, query)


def _statements(statement: Select[Any], wanted: _Request) -> tuple[Select[Any], Select[Any]]:
    counted = select(func.count()).select_from(statement.order_by(None).subquery())
    window = statement.limit(wanted.per_page).offset((wanted.page - 1) * wanted.per_page)
    return counted, window


def _page(items: Sequence[Any], total: int, wanted: _Request) -> Page[Any]:
    if wanted.page > 1 and (wanted.page - 1) * wanted.per_page >= total:
        raise NotFound(f"page {wanted.page} does not exist")
    return Page(items, wanted.page, wanted.per_page, total, wanted.base_path, wanted.query)


def _single_entity(statement: Select[Any]) -> bool:
    return len(statement.column_descriptions) == 1


@overload
def paginate(
    session: AsyncSession,
    statement: Select[Any],
    *,
    request: Any = None,
    page: int | None = None,
    per_page: int | None = None,
    max_per_page: int = MAX_PER_PAGE,
) -> Awaitable[Page[Any]]: ...
@overload
def paginate(
    session: Session,
    statement: Select[Any],
    *,
    request: Any = None,
    page: int | None = None,
    per_page: int | None = None,
    max_per_page: int = MAX_PER_PAGE,
) -> Page[Any]: ...
def paginate(
    session: AsyncSession | Session,
    statement: Select[Any],
    *,
    request: Any = None,
    page: int | None = None,
    per_page: int | None = None,
    max_per_page: int = MAX_PER_PAGE,
) -> Awaitable[Page[Any]] | Page[Any]:
    """One page of ``statement``'s rows (entities for ``select(Model)``, rows otherwise).

    Two queries: ``COUNT(*)`` over the statement, then the window with ``LIMIT``/``OFFSET``.
    """
    wanted = _read(request, page, per_page, max_per_page, min(DEFAULT_PER_PAGE, max_per_page))
    counted, window = _statements(statement, wanted)
    single = _single_entity(statement)
    if isinstance(session, AsyncSession):

        async def run_async() -> Page[Any]:
            total = (await session.execute(counted)).scalar_one()
            result = await session.execute(window)
            items = result.scalars().all() if single else result.all()
            return _page(items, total, wanted)

        return run_async()
    total = session.execute(counted).scalar_one()
    result = session.execute(window)
    items = result.scalars().all() if single else result.all()
    return _page(items, total, wanted)
