"""The blog's table: posts, written by the auth battery's users. After changing it:

spruce db revision -m "what changed" --autogenerate
spruce db upgrade
"""

from __future__ import annotations

from spruce.auth.models import User
from spruce.db import (
    ForeignKey,
    IntegerPK,
    Mapped,
    Model,
    String,
    Text,
    Timestamps,
    mapped_column,
    relationship,
)

__all__ = ["Post"]


class Post(IntegerPK, Timestamps, Model):
    """A post: its ``author``, ``title`` and ``body`` (``created_at`` comes from the mixin)."""

    author_id: Mapped[int] = mapped_column(
        ForeignKey("auth_user.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")

    author: Mapped[User] = relationship()
