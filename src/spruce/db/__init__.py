"""The ``db`` battery: SQLAlchemy 2 models, a session per request, Alembic migrations, on SQLite
(the default) and PostgreSQL.

    from spruce import Spruce
    from spruce.db import AsyncSession, Database, IntegerPK, Mapped, Model, get_or_404, prepare
    from spruce.db import select

    class Post(IntegerPK, Model):
        title: Mapped[str]

    db = Database()                       # DATABASE_URL, default sqlite:///app.db
    app = Spruce(batteries=[db])

    @app.get("/posts/{post_id}")
    async def show(post_id: int, session: AsyncSession) -> dict:
        post = await get_or_404(session, Post, post_id)
        return {"id": post.id, "title": post.title}

    TITLES = prepare(select(Post.id, Post.title).order_by(Post.id))   # a fast read

    @app.get("/posts")
    async def titles(session: AsyncSession) -> list[dict]:
        return [row._asdict() for row in await TITLES.all(session)]

The SQLAlchemy names a model file needs are re-exported for convenience; everything else comes
from ``sqlalchemy`` itself.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, Text, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship, selectinload

from .battery import Database, get_database
from .exceptions import (
    CheckViolation,
    DatabaseUnavailable,
    DbError,
    ForeignKeyViolation,
    IntegrityViolation,
    LazyLoadError,
    MigrationError,
    NotNullViolation,
    UniqueViolation,
)
from .models import NAMING_CONVENTION, UUIDPK, IntegerPK, Model, Timestamps
from .pagination import Page, paginate
from .queries import first_or_404, get_or_404, one_or_404
from .reads import PreparedSelect, ReadRow, prepare
from .types import UTCDateTime, utcnow

__all__ = [
    "NAMING_CONVENTION",
    "UUIDPK",
    "AsyncSession",
    "CheckViolation",
    "Database",
    "DatabaseUnavailable",
    "DbError",
    "ForeignKey",
    "ForeignKeyViolation",
    "IntegerPK",
    "IntegrityViolation",
    "LazyLoadError",
    "Mapped",
    "MigrationError",
    "Model",
    "NotNullViolation",
    "Page",
    "PreparedSelect",
    "ReadRow",
    "Session",
    "String",
    "Text",
    "Timestamps",
    "UTCDateTime",
    "UniqueViolation",
    "first_or_404",
    "func",
    "get_database",
    "get_or_404",
    "mapped_column",
    "one_or_404",
    "paginate",
    "prepare",
    "relationship",
    "select",
    "selectinload",
    "utcnow",
]
