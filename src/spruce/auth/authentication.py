"""Checking a user name and password: throttled, and as slow for a stranger as for a user.

    user = await authenticate(request, "ann", "a long passphrase")   # the User, or None

* **Throttling.** Failed attempts are counted per user name (whether or not it exists) and per
  client address, with the security battery's rate limiter. Past either limit
  (``SPRUCE_AUTH_LOGIN_FAILURES_PER_ACCOUNT``, ``..._PER_ADDRESS``) every attempt, right or
  wrong, is refused with ``RateLimitExceeded`` (429, ``Retry-After``) until the window has
  passed; a successful login clears the count of its user name.
* **Equal time.** An unknown user name costs one argon2 verification against a dummy hash, like
  a known one; an inactive user's password is verified too. The caller shows one message for
  every failure.
* **Re-hashing.** A correct password whose hash was made with older parameters is hashed again
  with the current ones and saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from ..security.ratelimit import client_address, limiter_for
from .users import find_user, normalize_username, primary_key_of

if TYPE_CHECKING:
    from ..requests import HTTPConnection
    from .battery import Auth

__all__ = ["LOGIN_FAILED", "authenticate", "check_password", "check_throttle", "record_failure"]

LOGIN_FAILED = "Wrong user name or password."
"""The one message for every failed login (it does not tell which part was wrong)."""

_ACCOUNT_SCOPE = "spruce.auth.login.account"
_ADDRESS_SCOPE = "spruce.auth.login.address"


def _account_key(username: str) -> str:
    return normalize_username(username).lower()[:150] or "-"


def _counters(auth: Auth, request: HTTPConnection, username: str) -> list[tuple[str, str, str]]:
    config = auth.config
    return [
        (config.login_failures_per_account, _ACCOUNT_SCOPE, _account_key(username)),
        (config.login_failures_per_address, _ADDRESS_SCOPE, client_address(request)),
    ]


async def check_throttle(auth: Auth, request: HTTPConnection, username: str) -> None:
    """Raise ``RateLimitExceeded`` when ``username`` or this address failed too often."""
    from ..security.exceptions import RateLimitExceeded

    limiter = limiter_for(request.app)
    for limit, scope, key in _counters(auth, request, username):
        if not await limiter.test(limit, scope, key):
            wait = max(1, await limiter.retry_after(limit, scope, key))
            raise RateLimitExceeded(limit, wait)


async def record_failure(auth: Auth, request: HTTPConnection, username: str) -> None:
    """Count one failed attempt for ``username`` and for this address."""
    limiter = limiter_for(request.app)
    for limit, scope, key in _counters(auth, request, username):
        await limiter.hit(limit, scope, key)


async def _record_success(auth: Auth, request: HTTPConnection, username: str) -> None:
    limiter = limiter_for(request.app)
    config = auth.config
    await limiter.clear(config.login_failures_per_account, _ACCOUNT_SCOPE, _account_key(username))


async def check_password(auth: Auth, user: Any, password: str) -> bool:
    """True when ``password`` is ``user``'s (``user`` None: spend the same time, False).
    Saves a new hash when the stored one used older parameters."""
    hasher = auth.hasher
    if user is None:
        await hasher.verify_dummy_async(password)
        return False
    if not await hasher.verify_async(user.password, password):
        return False
    if hasher.needs_rehash(user.password):
        stored = await hasher.hash_async(password)
        model = type(user)
        async with auth.database.session() as db:
            key = primary_key_of(model)
            await db.execute(update(model).where(key == user.pk).values(password=stored))
        user.password = stored
    return True


async def authenticate(request: HTTPConnection, username: str, password: str) -> Any:
    """The active user with this name and password, or None; ``RateLimitExceeded`` while the
    name or the address is throttled."""
    from .battery import get_auth

    auth = get_auth(request.app)
    await check_throttle(auth, request, username)
    async with auth.database.session(commit=False) as db:
        user = await find_user(db, auth.user_model, username)
    valid = await check_password(auth, user, password)
    if not valid or user is None or not user.is_active:
        await record_failure(auth, request, username)
        return None
    await _record_success(auth, request, username)
    return user
