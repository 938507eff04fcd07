"""Users in the database: finding, creating, passwords and permissions.

    async with get_database(app).session() as db:
        ann = await create_user(db, app, "ann", "a long passphrase", email="ann@example.com")
        await grant(db, ann, "blog.change_post")

    await load_permissions(ann)        # then ann.has_perm("blog.change_post") is True

Every function takes the user model the app's auth battery uses, so they work the same with
your own model (see ``spruce.auth.models``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, inspect, select, union, update

from ..db.types import utcnow
from .exceptions import PasswordRejected
from .models import Group, Permission
from .passwords import unusable_password

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.sql.elements import ColumnElement

    from ..app import Spruce

__all__ = [
    "add_to_group",
    "create_user",
    "ensure_permissions",
    "find_user",
    "grant",
    "load_permissions",
    "normalize_username",
    "parse_primary_key",
    "primary_key_of",
    "record_login",
    "set_password",
    "username_problem",
    "username_taken",
]

_USERNAME = re.compile(r"[\w.@+-]+")


def primary_key_of(model: type) -> ColumnElement[Any]:
    """The primary-key column of ``model`` (one column)."""
    columns: tuple[ColumnElement[Any], ...] = tuple(inspect(model).primary_key)
    if len(columns) != 1:
        raise TypeError(f"{model.__name__} must have a single-column primary key")
    return columns[0]


def parse_primary_key(model: type, text: object) -> Any:
    """``text`` (from a session or a token) as ``model``'s key type; None when it is not one."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    kind = primary_key_of(model).type.python_type
    try:
        return kind(text)
    except (TypeError, ValueError):
        return None


def normalize_username(name: str) -> str:
    """``name`` in Unicode NFKC form (so look-alike forms of one letter are one name), with
    surrounding spaces removed."""
    return unicodedata.normalize("NFKC", name).strip()


def username_problem(name: str, max_length: int = 150) -> str | None:
    """What is wrong with a new user name (None when it is fine): letters, digits and
    ``@ . + - _`` only, 1 to ``max_length`` characters."""
    if not name:
        return "Enter a user name."
    if len(name) > max_length:
        return f"Use at most {max_length} characters."
    if not _USERNAME.fullmatch(name):
        return "Use only letters, digits and @ . + - _ in a user name."
    return None


async def find_user(db: AsyncSession, model: type, username: str) -> Any:
    """The user called ``username`` (exactly, after NFKC), or None."""
    name = normalize_username(username)
    if not name or len(name) > 150 or not name.isprintable():
        return None  # no such name can exist (and PostgreSQL refuses NUL characters)
    column: Any = model.username  # type: ignore[attr-defined]
    return (await db.execute(select(model).where(column == name))).scalars().first()


async def username_taken(db: AsyncSession, model: type, username: str) -> bool:
    """True when a user name equal to ``username`` ignoring case exists (so ``Ann`` cannot
    register beside ``ann``)."""
    name = normalize_username(username)
    column = model.username  # type: ignore[attr-defined]
    found = await db.scalar(select(func.count()).where(func.lower(column) == name.lower()))
    return bool(found)


def _auth_of(app: Spruce) -> Any:
    from .battery import get_auth

    return get_auth(app)


async def create_user(
    db: AsyncSession,
    app: Spruce,
    username: str,
    password: str | None = None,
    *,
    email: str | None = None,
    validate: bool = False,
    **fields: Any,
) -> Any:
    """Add a user (flushed, so it has its id; the session's owner commits). ``password``
    None makes an unusable one. ``validate=True`` applies the password rules first
    (``PasswordRejected``). ``fields``: ``is_staff=True``, ``is_superuser=True``, your own."""
    auth = _auth_of(app)
    name = normalize_username(username)
    problem = username_problem(name)
    if problem:
        raise ValueError(f"{username!r}: {problem}")
    if password is not None and validate:
        problems = auth.password_problems(password, username=name, email=email)
        if problems:
            raise PasswordRejected(problems)
    stored = await auth.hasher.hash_async(password) if password is not None else unusable_password()
    user = auth.user_model(username=name, email=email or None, password=stored, **fields)
    db.add(user)
    await db.flush()
    return user


async def set_password(app: Spruce, user: Any, password: str, *, validate: bool = False) -> None:
    """Hash ``password`` into ``user.password`` (save it with your session, or use it through
    ``change_password``). ``validate=True`` applies the password rules first."""
    auth = _auth_of(app)
    if validate:
        problems = auth.password_problems(password, username=user.username, email=user.email)
        if problems:
            raise PasswordRejected(problems)
    user.password = await auth.hasher.hash_async(password)


async def record_login(app: Spruce, user: Any) -> None:
    """Set ``user.last_login`` to now, in the database too (this voids pending reset links)."""
    auth = _auth_of(app)
    now = utcnow()
    model = type(user)
    async with auth.database.session() as db:
        await db.execute(
            update(model).where(primary_key_of(model) == user.pk).values(last_login=now)
        )
    user.last_login = now


def _secondary(model: type, name: str) -> Any:
    return inspect(model).relationships[name].secondary


async def load_permissions(user: Any, db: AsyncSession | None = None) -> frozenset[str]:
    """The names of the permissions ``user`` holds (directly and through groups), cached on the
    user so ``user.has_perm(...)`` can answer. Opens a short session of the app's database when
    ``db`` is not given."""
    cached: frozenset[str] | None = getattr(user, "_spruce_permissions", None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    model = type(user)
    direct = _secondary(model, "user_permissions")
    memberships = _secondary(model, "groups")
    from .models import group_permissions

    query = union(
        select(Permission.name)
        .join(direct, direct.c.permission_id == Permission.id)
        .where(direct.c.user_id == user.pk),
        select(Permission.name)
        .join(group_permissions, group_permissions.c.permission_id == Permission.id)
        .join(memberships, memberships.c.group_id == group_permissions.c.group_id)
        .where(memberships.c.user_id == user.pk),
    )
    if db is None:
        from ..db import get_database
        from ..requests import current_request

        request = current_request()
        if request is None:
            raise RuntimeError("load_permissions(user) outside a request needs db=")
        async with get_database(request.app).session(commit=False) as own:
            names = frozenset((await own.execute(query)).scalars())
    else:
        names = frozenset((await db.execute(query)).scalars())
    user._spruce_permissions = names
    return names


async def ensure_permissions(
    db: AsyncSession, names: Iterable[str], descriptions: dict[str, str] | None = None
) -> list[Permission]:
    """The ``Permission`` rows for ``names``, created when missing (flushed)."""
    wanted = list(dict.fromkeys(names))
    for name in wanted:
        if "." not in name:
            raise ValueError(f"permission {name!r}: write '<app>.<action>_<model>'")
    found = {
        p.name: p
        for p in (await db.execute(select(Permission).where(Permission.name.in_(wanted)))).scalars()
    }
    for name in wanted:
        if name not in found:
            described = (descriptions or {}).get(name) or _describe(name)
            found[name] = Permission(name=name, description=described)
            db.add(found[name])
    await db.flush()
    return [found[name] for name in wanted]


def _describe(name: str) -> str:
    codename = name.partition(".")[2]
    action, _, model = codename.partition("_")
    return f"Can {action} {model.replace('_', ' ')}" if model else f"Can {codename}"


async def grant(db: AsyncSession, target: Any, *names: str) -> None:
    """Give a user or a ``Group`` the permissions ``names`` (created when missing). ``target``
    may come from another session; it is merged into ``db``."""
    permissions = await ensure_permissions(db, names)
    attached = await db.merge(target)
    attribute = "permissions" if isinstance(attached, Group) else "user_permissions"
    await db.refresh(attached, attribute_names=[attribute])
    current = getattr(attached, attribute)
    for permission in permissions:
        if permission not in current:
            current.append(permission)
    await db.flush()
    if hasattr(target, "_spruce_permissions"):
        del target._spruce_permissions


async def add_to_group(db: AsyncSession, user: Any, group_name: str) -> Group:
    """Put ``user`` in the group ``group_name`` (created when missing)."""
    group = (await db.execute(select(Group).where(Group.name == group_name))).scalars().first()
    if group is None:
        group = Group(name=group_name)
        db.add(group)
        await db.flush()
    attached = await db.merge(user)
    await db.refresh(attached, attribute_names=["groups"])
    if group not in attached.groups:
        attached.groups.append(group)
    await db.flush()
    if hasattr(user, "_spruce_permissions"):
        del user._spruce_permissions
    return group
