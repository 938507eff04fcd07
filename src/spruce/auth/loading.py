"""Finding the request's user before the handler runs, and enforcing the route's requirement.

The auth battery wraps every HTTP route at startup (``guard_route``). Per request:

* an ``Authorization: Bearer`` header: the token's user (one query), or nobody if it is not a
  valid token (other schemes, such as the ``Basic`` of a password-protected staging site, are
  left to the session);
* else a request with cookies: the session's user (one query by primary key), if the session's
  hash still matches the user's password and the user is active;
* else nobody, without touching the session or the database.

``request.user`` is then the user or ``ANONYMOUS``. Static files are left alone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..requests import Request
from ..sessions import load_session
from .access import (
    ANONYMOUS,
    GUARDED_KEY,
    USER_KEY,
    Requirement,
    forbidden,
    is_api_route,
    login_redirect,
    not_logged_in,
    requirement_of,
    wants_login_page,
)
from .sessionauth import HASH_SESSION_KEY, USER_SESSION_KEY, session_hash_matches
from .tokens import bearer_token, find_token
from .users import load_permissions, parse_primary_key

if TYPE_CHECKING:
    from ..responses import Response
    from ..routing.routes import Route
    from .battery import Auth

__all__ = ["AUTH_METHOD_KEY", "TOKEN_KEY", "guard_route", "load_user"]

Handler = Callable[[Request], Awaitable["Response"]]
AUTH_METHOD_KEY = "spruce.auth.method"
"""``"session"`` or ``"token"``: how the request's user was recognised."""
TOKEN_KEY = "spruce.auth.token"
"""The bearer token the request was authenticated with (to revoke it at logout)."""


async def load_user(auth: Auth, request: Request) -> Any:
    """The user making ``request`` (``ANONYMOUS`` when nobody is logged in)."""
    scope = request.scope
    authorization, has_cookie = _credentials(scope["headers"])
    if authorization is not None and authorization[:7].lower() == "bearer ":
        token = bearer_token(authorization)
        if token is None:
            return ANONYMOUS
        async with auth.database.session() as db:
            found = await find_token(db, request.app, token)
        if found is None:
            return ANONYMOUS
        scope[AUTH_METHOD_KEY] = "token"
        scope[TOKEN_KEY] = token
        return found[1]
    if not has_cookie or "spruce.session" not in scope:
        return ANONYMOUS
    session = await load_session(request)
    raw_id = session.get(USER_SESSION_KEY)
    if raw_id is None:
        return ANONYMOUS
    model = auth.user_model
    key = parse_primary_key(model, raw_id)
    user = None
    if key is not None:
        async with auth.database.session(commit=False) as db:
            user = await db.get(model, key)
    if (
        user is None
        or not user.is_active
        or not session_hash_matches(request.app, user, session.get(HASH_SESSION_KEY))
    ):
        session.clear()  # deleted, deactivated, or its password changed elsewhere: log out
        return ANONYMOUS
    scope[AUTH_METHOD_KEY] = "session"
    return user


def _credentials(headers: list[tuple[bytes, bytes]]) -> tuple[str | None, bool]:
    """The ``Authorization`` header and whether there are cookies, in one pass over the raw
    headers (no ``Headers`` object for a visitor who sends neither)."""
    authorization: str | None = None
    has_cookie = False
    for name, value in headers:
        if name == b"cookie":
            has_cookie = True
        elif name == b"authorization" and authorization is None:
            authorization = value.decode("latin-1")
    return authorization, has_cookie


def _is_static(route: Route) -> bool:
    from ..staticfiles.serving import StaticHandler

    return isinstance(route.endpoint, StaticHandler)


def guard_route(auth: Auth, route: Route, handler: Handler) -> Handler | None:
    """At startup: ``handler`` behind the user lookup and the route's requirement."""
    if _is_static(route):
        return None
    requirement = requirement_of(route)
    if requirement is None:

        async def with_user(request: Request) -> Response:
            request.scope[USER_KEY] = await load_user(auth, request)
            return await handler(request)

        return with_user
    api = is_api_route(route)
    login_path = auth.login_path

    async def guarded(request: Request) -> Response:
        user = request.scope[USER_KEY] = await load_user(auth, request)
        refusal = await _refusal(requirement, request, user, api, login_path)
        if refusal is not None:
            return refusal
        request.scope[GUARDED_KEY] = True
        return await handler(request)

    return guarded


async def _refusal(
    requirement: Requirement, request: Request, user: Any, api: bool, login_path: str | None
) -> Response | None:
    """None when ``user`` meets ``requirement``; else the redirect to the login page, or raise
    401/403."""
    if not user.is_authenticated:
        if login_path is not None and wants_login_page(request, api):
            return login_redirect(request, login_path)
        raise not_logged_in()
    if requirement.permissions:
        await load_permissions(user)
        if not user.has_perms(requirement.permissions):
            raise forbidden()
    return None
