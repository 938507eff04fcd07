"""Logging a user in and out of the session.

    await login(request, user)     # after checking the password (see ``authenticate``)
    await logout(request)

The session keeps the user's id and a *session hash*: an HMAC of the user's password hash under
the app's secret key. When the password changes (here or in another browser), sessions made
before no longer match and are logged out; ``refresh_session`` keeps the current one.

``login`` gives the session a new id (an id an attacker planted before the login is worthless:
session fixation) and the browser a new CSRF secret; ``logout`` empties the session and forgets
its id. Call ``refresh_session(request, user)`` after changing the privileges or the password of
the logged-in user, so the id changes then too.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from ..sessions import load_session
from .access import ANONYMOUS, USER_KEY
from .users import record_login

if TYPE_CHECKING:
    from ..app import Spruce
    from ..requests import HTTPConnection
    from ..sessions import Session

__all__ = [
    "HASH_SESSION_KEY",
    "USER_SESSION_KEY",
    "login",
    "logout",
    "refresh_session",
    "session_hash",
    "session_hash_matches",
]

USER_SESSION_KEY = "_auth_user_id"
HASH_SESSION_KEY = "_auth_user_hash"
_PURPOSE = b"spruce.auth.session:"


def _hash_with(key: str, password_hash: str) -> str:
    return hmac.new(key.encode(), _PURPOSE + password_hash.encode(), hashlib.sha256).hexdigest()


def session_hash(app: Spruce, user: Any) -> str:
    """The value that ties a session to ``user``'s current password."""
    return _hash_with(app.secret_key, user.password or "")


def session_hash_matches(app: Spruce, user: Any, value: object) -> bool:
    """True when ``value`` is ``user``'s session hash under the secret key or a fallback."""
    if not isinstance(value, str):
        return False
    keys = (app.secret_key, *app.config.secret_key_fallbacks)
    return any(hmac.compare_digest(value, _hash_with(key, user.password or "")) for key in keys)


def _rotate_csrf(connection: HTTPConnection) -> None:
    if "spruce.security" in connection.app.extensions:
        from ..security.csrf import rotate_token

        rotate_token(connection)


async def login(request: HTTPConnection, user: Any) -> None:
    """Log ``user`` in for the rest of this browser's session: new session id, new CSRF secret,
    ``last_login`` updated (which also voids pending password-reset links)."""
    session = await load_session(request)
    if session.get(USER_SESSION_KEY) not in (None, str(user.pk)):
        session.clear()  # someone else was logged in: nothing of theirs is kept
    else:
        session.regenerate()
    _store(request, session, user)
    _rotate_csrf(request)
    await record_login(request.app, user)
    request.scope[USER_KEY] = user


def _store(request: HTTPConnection, session: Session, user: Any) -> None:
    session[USER_SESSION_KEY] = str(user.pk)
    session[HASH_SESSION_KEY] = session_hash(request.app, user)


async def refresh_session(request: HTTPConnection, user: Any) -> None:
    """After the logged-in user's password or privileges changed: a new session id, the new
    session hash (so this session stays logged in), a new CSRF secret."""
    session = await load_session(request)
    session.regenerate()
    _store(request, session, user)
    _rotate_csrf(request)
    request.scope[USER_KEY] = user


async def logout(request: HTTPConnection) -> None:
    """End the session: every value and the id are forgotten, the CSRF secret is renewed.
    With signed-cookie sessions a copy of the old cookie cannot be revoked (use a server-side
    session store for that)."""
    session = await load_session(request)
    session.clear()
    _rotate_csrf(request)
    request.scope[USER_KEY] = ANONYMOUS
