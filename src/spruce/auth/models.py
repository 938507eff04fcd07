"""The auth tables: users, groups, permissions and the memberships between them, API tokens.

* ``Permission``: one right, named ``"<app>.<action>_<model>"`` (``"blog.change_post"``);
* ``Group``: a named set of permissions (``"editors"``);
* ``User``: the default user (table ``auth_user``): ``username``, ``email``, the argon2id
  ``password`` hash, ``is_active``, ``is_staff``, ``is_superuser``, ``date_joined``,
  ``last_login``; its ``groups`` and its own ``user_permissions``;
* ``APIToken``: an opaque bearer token, stored as its SHA-256 (see ``spruce.auth.tokens``).

**Your own user model.** Subclass the mixins and hand the classes to the battery::

    class Member(AbstractUser, IntegerPK, Model):
        display_name: Mapped[str] = mapped_column(String(80), default="")

    class MemberToken(AbstractAPIToken, IntegerPK, Model):
        user_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"),
                                             index=True)

    app = Spruce(batteries=[..., Auth(user_model=Member, token_model=MemberToken)])

Your migrations then create ``member``, ``member_groups`` and ``member_permissions``; the auth
battery's own migration creates only the group and permission tables. ``User`` and ``APIToken``
are defined on first use (``from spruce.auth.models import User``), so an app with its own model
never has an ``auth_user`` table.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import Column, ForeignKey, String, Table, false, func, true
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..db.models import IntegerPK, Model
from ..db.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from .default_models import APIToken, User

__all__ = [
    "APIToken",
    "AbstractAPIToken",
    "AbstractUser",
    "Group",
    "Permission",
    "User",
    "group_permissions",
    "permission_name",
]

group_permissions = Table(
    "auth_group_permissions",
    Model.metadata,
    Column("group_id", ForeignKey("auth_group.id", ondelete="CASCADE"), primary_key=True),
    Column("permission_id", ForeignKey("auth_permission.id", ondelete="CASCADE"), primary_key=True),
)
"""Which permissions each group grants."""


def permission_name(app_label: str, action: str, model: str | type) -> str:
    """``"blog.change_post"`` from ``("blog", "change", Post)`` (or the model's table name)."""
    table = model if isinstance(model, str) else getattr(model, "__tablename__", model.__name__)
    return f"{app_label}.{action}_{table}"


class Permission(IntegerPK, Model):
    """A right to do something: ``name`` is ``"<app>.<action>_<model>"`` (``"blog.change_post"``),
    ``description`` says it in words."""

    __tablename__ = "auth_permission"

    name: Mapped[str] = mapped_column(String(150), unique=True)
    description: Mapped[str] = mapped_column(String(255), default="")

    def __str__(self) -> str:
        return self.name


class Group(IntegerPK, Model):
    """A named set of permissions; a user in the group has them all."""

    __tablename__ = "auth_group"

    name: Mapped[str] = mapped_column(String(150), unique=True)
    permissions: Mapped[list[Permission]] = relationship(
        secondary=group_permissions, order_by=Permission.name
    )

    def __str__(self) -> str:
        return self.name


def _membership_table(user_table: str, kind: str, target: str) -> Table:
    """``<user table>_groups`` or ``<user table>_permissions``: made once per user model."""
    name = f"{user_table}_{kind}s"
    existing = Model.metadata.tables.get(name)
    if existing is not None:
        return existing
    return Table(
        name,
        Model.metadata,
        Column("user_id", ForeignKey(f"{user_table}.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{kind}_id", ForeignKey(f"{target}.id", ondelete="CASCADE"), primary_key=True),
    )


class AbstractUser:
    """The columns and behaviour of a user, for the default ``User`` and your own model
    (combine it with a primary-key mixin and ``Model``)."""

    USERNAME_MAX_LENGTH: ClassVar[int] = 150

    username: Mapped[str] = mapped_column(String(150), unique=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True, default=None)
    password: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    is_staff: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_superuser: Mapped[bool] = mapped_column(default=False, server_default=false())
    date_joined: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    last_login: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    @declared_attr
    def groups(cls) -> Mapped[list[Group]]:
        """The groups the user belongs to."""
        table = _membership_table(_table_of(cls), "group", "auth_group")
        return relationship(Group, secondary=table, order_by=Group.name)

    @declared_attr
    def user_permissions(cls) -> Mapped[list[Permission]]:
        """Permissions given to the user directly (groups give more)."""
        table = _membership_table(_table_of(cls), "permission", "auth_permission")
        return relationship(Permission, secondary=table, order_by=Permission.name)

    # -- identity, as templates and guards ask ----------------------------------------------------
    is_authenticated: ClassVar[bool] = True
    """Always true for a user from the database (``AnonymousUser`` says false)."""
    is_anonymous: ClassVar[bool] = False

    @property
    def pk(self) -> Any:
        """The primary key (``id`` for the mixins Spruce ships)."""
        return getattr(self, "id", None)

    def has_perm(self, name: str) -> bool:
        """True when the user holds permission ``name`` (``"blog.change_post"``).

        Superusers hold every permission. For others the permissions must have been loaded
        (``await load_permissions(user)``; ``permission_required`` routes load them)."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        loaded: frozenset[str] | None = getattr(self, "_spruce_permissions", None)
        if loaded is None:
            from .exceptions import PermissionsNotLoaded

            raise PermissionsNotLoaded(name)
        return name in loaded

    def has_perms(self, names: list[str] | tuple[str, ...]) -> bool:
        """True when the user holds every permission in ``names``."""
        return all(self.has_perm(name) for name in names)

    def __str__(self) -> str:
        return self.username

    def __repr__(self) -> str:
        """``<User id=1 username='ann'>``: never the password hash (it stays out of logs)."""
        return f"<{type(self).__name__} id={self.pk!r} username={self.__dict__.get('username')!r}>"


def _table_of(cls: Any) -> str:
    table = cls.__tablename__
    if not isinstance(table, str):
        raise TypeError(f"{cls.__name__} must have a table of its own to be a user model")
    return table


class AbstractAPIToken:
    """The columns of an API token (add ``user_id``, a foreign key to your user table).

    Only the SHA-256 of the token is stored (``digest``): a copy of the table does not let
    anyone in. ``expires_at`` None means "until revoked"."""

    digest: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.now()
    )
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, default=None)

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        """True once ``expires_at`` has passed."""
        return self.expires_at is not None and self.expires_at <= (now or utcnow())


def __getattr__(name: str) -> Any:
    """``User`` and ``APIToken`` are defined when first asked for (see the module docstring)."""
    if name in ("User", "APIToken"):
        from . import default_models

        return getattr(default_models, name)
    raise AttributeError(f"module 'spruce.auth.models' has no attribute {name!r}")
