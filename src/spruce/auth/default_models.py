"""The default ``User`` and ``APIToken`` (tables ``auth_user`` and ``auth_token``).

Imported only when an app uses them (``spruce.auth.models.User`` loads this module), so an app
with its own user model does not get these tables.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db.models import IntegerPK, Model
from .models import AbstractAPIToken, AbstractUser

__all__ = ["APIToken", "User"]


class User(AbstractUser, IntegerPK, Model):
    """A user of the site (see ``AbstractUser`` for the columns)."""

    __tablename__ = "auth_user"


class APIToken(AbstractAPIToken, IntegerPK, Model):
    """A bearer token of a ``User`` (see ``AbstractAPIToken``)."""

    __tablename__ = "auth_token"

    user_id: Mapped[int] = mapped_column(ForeignKey("auth_user.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship()
