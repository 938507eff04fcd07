"""Models shared by the db battery's tests (tables prefixed ``blog_``)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spruce.db import UUIDPK, IntegerPK, Model, Timestamps


class BlogAuthor(IntegerPK, Model):
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    posts: Mapped[list[BlogPost]] = relationship(back_populates="author")


class BlogPost(IntegerPK, Timestamps, Model):
    __table_args__ = (CheckConstraint("score >= 0", name="score_positive"),)

    title: Mapped[str] = mapped_column(String(200))
    score: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int] = mapped_column(ForeignKey("blog_author.id"))
    author: Mapped[BlogAuthor] = relationship(back_populates="posts")


class BlogTag(UUIDPK, Model):
    __table_args__ = (UniqueConstraint("label", "lang"),)

    label: Mapped[str] = mapped_column(String(50))
    lang: Mapped[str] = mapped_column(String(5), default="en")
