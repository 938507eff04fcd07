"""Models for the model form tests, on their own declarative base (own metadata), so they never
mix with other tests' tables."""

from __future__ import annotations

import datetime as dt
import decimal
import enum

from sqlalchemy import (
    Column,
    Enum,
    ForeignKey,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from spruce.db import NAMING_CONVENTION, UTCDateTime, utcnow


class Base(AsyncAttrs, DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Status(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"


article_tags = Table(
    "article_tags",
    Base.metadata,
    Column("article_id", ForeignKey("article.id"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id"), primary_key=True),
)


class Writer(Base):
    __tablename__ = "writer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(100), unique=True)
    articles: Mapped[list[Article]] = relationship(
        back_populates="writer", foreign_keys="Article.writer_id"
    )


class Tag(Base):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20), unique=True)

    def __str__(self) -> str:
        return f"#{self.label}"


class Article(Base):
    __tablename__ = "article"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    body: Mapped[str | None] = mapped_column(Text, doc="Markdown is fine.")
    status: Mapped[Status] = mapped_column(Enum(Status), default=Status.DRAFT)
    price: Mapped[decimal.Decimal | None] = mapped_column(Numeric(6, 2))
    featured: Mapped[bool] = mapped_column(default=False)
    is_admin_pick: Mapped[bool] = mapped_column(default=False)
    published_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    writer_id: Mapped[int] = mapped_column(ForeignKey("writer.id"))
    writer: Mapped[Writer] = relationship(back_populates="articles", foreign_keys=[writer_id])
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("writer.id"))
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags)


class Room(Base):
    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("building", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building: Mapped[str] = mapped_column(String(10))
    number: Mapped[int]
