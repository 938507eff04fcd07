"""Models: the declarative ``Model`` base, its naming rules, and the primary-key and timestamp
mixins.

    class Post(IntegerPK, Timestamps, Model):
        title: Mapped[str] = mapped_column(String(200))
        author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
        author: Mapped[User] = relationship()

* The table name is the class name in snake_case (``BlogPost`` -> ``blog_post``) unless the class
  sets ``__tablename__``; a subclass of a mapped model without a primary key of its own shares its
  parent's table (single-table inheritance).
* Constraints and indexes get names from ``NAMING_CONVENTION``, so migrations generated on one
  machine (or database) drop and alter the same names on every other.
* ``repr(post)`` shows the primary key and a few loaded columns, and never touches the database.
* Relationships load lazily with a sync ``Session``. An async session cannot run SQL on attribute
  access: reading an unloaded relationship there raises ``LazyLoadError``, which names it and
  says how to load it (``selectinload`` in the query, or ``await post.awaitable_attrs.author``).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any, cast

from sqlalchemy import Column, MetaData, func, inspect
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, declared_attr, mapped_column

from .types import UTCDateTime, utcnow

__all__ = ["NAMING_CONVENTION", "UUIDPK", "IntegerPK", "Model", "Timestamps", "table_name_for"]

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint and index names: stable across databases, so migrations are too. A
``CheckConstraint`` needs a ``name=`` of its own (it becomes ``ck_<table>_<name>``)."""

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_REPR_COLUMNS = 3
_REPR_VALUE_LENGTH = 40


def table_name_for(class_name: str) -> str:
    """``BlogPost`` -> ``blog_post``, ``HTTPLog`` -> ``http_log``."""
    return _WORD_BOUNDARY.sub("_", class_name).lower()


def _declares_primary_key(cls: type) -> bool:
    """Does ``cls``, or a mixin that its mapped parents do not already have, declare a
    primary-key column?"""
    inherited: set[type] = set()
    for base in cls.__mro__[1:]:
        if "__table__" in vars(base):
            inherited.update(base.__mro__)
    for source in cls.__mro__:
        if source in inherited:
            continue
        for value in vars(source).values():
            column = value.column if isinstance(value, MappedColumn) else value
            if isinstance(column, Column) and column.primary_key:
                return True
    return False


def _inherits_table(cls: type) -> bool:
    return any("__table__" in vars(base) for base in cls.__mro__[1:])


class Model(AsyncAttrs, DeclarativeBase):
    """The base class of your models (SQLAlchemy 2 declarative, typed with ``Mapped[...]``).

    ``Model.metadata`` holds every table; the ``db`` battery creates, migrates and checks it.
    ``await obj.awaitable_attrs.name`` loads an attribute from async code.
    """

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    @declared_attr.directive
    def __tablename__(cls) -> str | None:
        """The snake_case class name; ``None`` (share the parent's table) for a subclass of a
        mapped model that declares no primary key of its own."""
        model = cast(type, cls)
        if _inherits_table(model) and not _declares_primary_key(model):
            return None
        return table_name_for(model.__name__)

    def __repr__(self) -> str:
        state = inspect(self)
        mapper = state.mapper
        loaded = state.dict
        keys = [mapper.get_property_by_column(column).key for column in mapper.primary_key]
        others = [prop.key for prop in mapper.column_attrs if prop.key not in keys]
        parts = [
            f"{key}={_short_repr(loaded[key])}"
            for key in keys + others[:_REPR_COLUMNS]
            if key in loaded
        ]
        if state.transient or state.pending:
            parts.append("(unsaved)")
        return f"<{type(self).__name__}{''.join(' ' + part for part in parts)}>"


def _short_repr(value: Any) -> str:
    text = repr(value)
    if len(text) > _REPR_VALUE_LENGTH:
        return text[: _REPR_VALUE_LENGTH - 3] + "..."
    return text


class IntegerPK:
    """An auto-incrementing integer primary key ``id``."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-100)


class UUIDPK:
    """A random UUID primary key ``id``, made in Python (no round trip to learn it)."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4, sort_order=-100)


class Timestamps:
    """``created_at`` and ``updated_at``: timezone-aware UTC, set by Spruce on insert and update
    (and by the database for rows inserted with plain SQL)."""

    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now(), sort_order=100
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.now(), sort_order=101
    )
