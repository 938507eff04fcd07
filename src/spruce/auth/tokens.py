"""API tokens: opaque bearer tokens for scripts, mobile apps and single-page apps.

    issued = await issue_token(db, app, user, name="laptop")    # issued.token: "spk_..."
    # the client sends:  Authorization: Bearer spk_...
    await revoke_token(db, app, token)                          # or revoke_user_tokens(...)

A token is 32 random bytes (256 bits) in URL-safe text, prefixed ``spk_`` so it is recognisable
in a leaked file. Only its SHA-256 is stored: a copy of the table lets nobody in, and a token is
looked up by that digest (an index), so nothing is compared character by character. A token
expires ``token_lifetime`` seconds after it was made (``SPRUCE_AUTH_TOKEN_LIFETIME``; 0: when
revoked), and stops working at once when revoked, when its user is deactivated or deleted.

Requests that carry a bearer token and no cookie are not CSRF-checked by the security battery
(a browser never adds such a header by itself); requests with cookies are, token or not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import delete, select, update

from ..db.types import utcnow
from .users import primary_key_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from ..app import Spruce

__all__ = [
    "TOKEN_PREFIX",
    "IssuedToken",
    "bearer_token",
    "find_token",
    "issue_token",
    "revoke_token",
    "revoke_user_tokens",
    "token_digest",
]

TOKEN_PREFIX = "spk_"
_MAX_TOKEN_LENGTH = 200
_LAST_USED_PRECISION = dt.timedelta(minutes=5)


class IssuedToken(NamedTuple):
    """A new token: its ``token`` text (shown to its owner once) and when it expires."""

    token: str
    expires_at: dt.datetime | None


def token_digest(token: str) -> str:
    """The SHA-256 of ``token``, as stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header value, else None."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or len(value) > _MAX_TOKEN_LENGTH:
        return None
    return value


def _battery(app: Spruce) -> Any:
    from .battery import get_auth

    return get_auth(app)


async def issue_token(
    db: AsyncSession, app: Spruce, user: Any, *, name: str = "", lifetime: int | None = None
) -> IssuedToken:
    """A new token for ``user`` (its text is returned once; only its digest is kept).
    ``lifetime`` in seconds overrides the setting (0: until revoked)."""
    auth = _battery(app)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    seconds = auth.config.token_lifetime if lifetime is None else lifetime
    expires = utcnow() + dt.timedelta(seconds=seconds) if seconds else None
    db.add(
        auth.token_model(
            user_id=user.pk, digest=token_digest(token), name=name[:100], expires_at=expires
        )
    )
    await db.flush()
    return IssuedToken(token, expires)


async def find_token(db: AsyncSession, app: Spruce, token: str) -> tuple[Any, Any] | None:
    """``(token_row, user)`` for a valid, unexpired token of an active user; else None.
    Notes when the token was last used (at most every few minutes, to spare writes)."""
    auth = _battery(app)
    model, user_model = auth.token_model, auth.user_model
    if not token.startswith(TOKEN_PREFIX):
        return None
    query = (
        select(model, user_model)
        .join(user_model, primary_key_of(user_model) == model.user_id)
        .where(model.digest == token_digest(token))
    )
    row = (await db.execute(query)).first()
    if row is None:
        return None
    found, user = row
    now = utcnow()
    if found.is_expired(now) or not user.is_active:
        return None
    if found.last_used_at is None or now - found.last_used_at > _LAST_USED_PRECISION:
        await db.execute(update(model).where(model.id == found.id).values(last_used_at=now))
        found.last_used_at = now
    return found, user


async def revoke_token(db: AsyncSession, app: Spruce, token: str) -> bool:
    """Delete ``token``; True when it existed."""
    model = _battery(app).token_model
    result = await db.execute(delete(model).where(model.digest == token_digest(token)))
    return bool(getattr(result, "rowcount", 0))


async def revoke_user_tokens(
    db: AsyncSession, app: Spruce, user: Any, *, keep: str | None = None
) -> int:
    """Delete every token of ``user`` (but ``keep``, a token to leave working); the count."""
    model = _battery(app).token_model
    statement = delete(model).where(model.user_id == user.pk)
    if keep is not None:
        statement = statement.where(model.digest != token_digest(keep))
    result = await db.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)
