"""Access control: ``request.user``, ``login_required``, ``permission_required``.

::

    @app.get("/drafts")
    @login_required
    async def drafts(request: Request): ...

    @app.post("/posts/{post_id}/publish")
    @permission_required("blog.publish_post")
    async def publish(request: Request, post_id: int): ...

    @app.get("/api/stats", login_required=True, api=True)   # the same, as route options
    async def stats(request: Request): ...

Every route of an app with the auth battery sees ``request.user``: the logged-in ``User`` (from
the session, or from an ``Authorization: Bearer`` token), else ``ANONYMOUS`` (an
``AnonymousUser``, whose ``is_authenticated`` is false). Templates see it as ``current_user``.

**Who gets a redirect and who gets a 401.** A visitor who is not logged in is sent to the login
page (``303``, with ``next=`` the page asked for) when the request comes from a browser page: the
route is not marked ``api=True``, the request carries no bearer token, and it asks for
HTML (``Accept`` prefers ``text/html``, as browsers do when they load a page or post a form).
Everything else (``api=True`` routes, bearer-token clients, ``fetch`` calls that accept JSON)
gets ``401`` with ``WWW-Authenticate: Bearer``. A logged-in user without the permission gets
``403`` either way (a login would not help).

The decorators mark the handler; the auth battery enforces the marks when the app starts. A
marked handler run without the battery refuses to serve (500), so a missing battery never leaves
a page open.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import quote

from ..errors import wants_json
from ..exceptions import Forbidden, ImproperlyConfigured, Unauthorized
from ..requests import current_request
from ..responses import RedirectResponse

if TYPE_CHECKING:
    from ..requests import HTTPConnection, Request
    from ..routing.routes import Route

__all__ = [
    "ANONYMOUS",
    "USER_KEY",
    "AnonymousUser",
    "Requirement",
    "current_user",
    "login_required",
    "permission_required",
    "requirement_of",
]

F = TypeVar("F", bound=Callable[..., Any])

USER_KEY = "spruce.user"
"""Where the request's user lives in the ASGI scope (``request.user`` reads it)."""
GUARDED_KEY = "spruce.auth.guarded"
REQUIREMENT_ATTRIBUTE = "__spruce_auth_requirement__"


class AnonymousUser:
    """Nobody logged in: ``is_authenticated`` is false, no permissions, no id."""

    is_authenticated: ClassVar[bool] = False
    is_anonymous: ClassVar[bool] = True
    is_active: ClassVar[bool] = False
    is_staff: ClassVar[bool] = False
    is_superuser: ClassVar[bool] = False
    id: ClassVar[None] = None
    pk: ClassVar[None] = None
    username: ClassVar[str] = ""
    email: ClassVar[None] = None

    def has_perm(self, name: str) -> bool:
        """Always false."""
        return False

    def has_perms(self, names: list[str] | tuple[str, ...]) -> bool:
        """Always false (unless ``names`` is empty)."""
        return not names

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return "anonymous"

    def __repr__(self) -> str:
        return "<AnonymousUser>"


ANONYMOUS = AnonymousUser()


def current_user(connection: HTTPConnection) -> Any:
    """The request's user, ``ANONYMOUS`` when nobody is logged in (or outside auth routes)."""
    return connection.scope.get(USER_KEY, ANONYMOUS)


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a route asks of its user: to be logged in, and to hold ``permissions``."""

    permissions: tuple[str, ...] = ()

    def merged(self, other: Requirement | None) -> Requirement:
        """Both requirements together."""
        if other is None:
            return self
        return Requirement(tuple(dict.fromkeys(self.permissions + other.permissions)))


def _mark(endpoint: F, requirement: Requirement) -> F:
    """Record ``requirement`` on ``endpoint`` and return a wrapper that refuses to run unless
    the auth battery checked it (same signature, same sync/async kind)."""
    previous: Requirement | None = getattr(endpoint, REQUIREMENT_ATTRIBUTE, None)
    combined = requirement.merged(previous)
    setattr(endpoint, REQUIREMENT_ATTRIBUTE, combined)
    if getattr(endpoint, "__spruce_auth_wrapper__", False):
        return endpoint

    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def checked_async(*args: Any, **kwargs: Any) -> Any:
            _ensure_guarded(endpoint)
            return await endpoint(*args, **kwargs)

        wrapper: Any = checked_async
    else:

        @functools.wraps(endpoint)
        def checked(*args: Any, **kwargs: Any) -> Any:
            _ensure_guarded(endpoint)
            return endpoint(*args, **kwargs)

        wrapper = checked
    wrapper.__spruce_auth_wrapper__ = True
    setattr(wrapper, REQUIREMENT_ATTRIBUTE, combined)
    return wrapper  # type: ignore[no-any-return]


def _ensure_guarded(endpoint: Callable[..., Any]) -> None:
    request = current_request()
    if request is None or not request.scope.get(GUARDED_KEY):
        raise ImproperlyConfigured(
            f"{getattr(endpoint, '__qualname__', endpoint)} requires a login, but the auth "
            "battery did not check it: install it with Spruce(batteries=[..., Auth()]), and put "
            "@login_required / @permission_required under the route decorator"
        )


def login_required(endpoint: F) -> F:
    """Decorator: only logged-in users reach this handler (see the module docstring for what
    the others get). Put it under the route decorator."""
    return _mark(endpoint, Requirement())


def permission_required(*names: str) -> Callable[[F], F]:
    """Decorator: only logged-in users holding every permission in ``names``
    (``"blog.change_post"``) reach this handler; superusers hold them all."""
    if not names or not all(isinstance(name, str) and name for name in names):
        raise ImproperlyConfigured(
            'permission_required takes permission names: permission_required("blog.change_post")'
        )

    def mark(endpoint: F) -> F:
        return _mark(endpoint, Requirement(tuple(names)))

    return mark


def requirement_of(route: Route) -> Requirement | None:
    """What ``route`` requires: from the decorators, and from the ``login_required=True`` and
    ``permission_required="..."`` (or a list) route options. None: open to everyone."""
    requirement: Requirement | None = getattr(route.endpoint, REQUIREMENT_ATTRIBUTE, None)
    options = route.options
    permissions = options.get("permission_required")
    if permissions:
        names = (permissions,) if isinstance(permissions, str) else tuple(permissions)
        requirement = Requirement(names).merged(requirement)
    elif options.get("login_required"):
        requirement = Requirement().merged(requirement)
    return requirement


def is_api_route(route: Route) -> bool:
    """True for routes marked ``api=True`` (answered 401, never redirected)."""
    return bool(route.options.get("api"))


def wants_login_page(request: Request, api: bool) -> bool:
    """True when a visitor who is not logged in should be sent to the login page rather than
    answered 401 (see the module docstring)."""
    if api or request.headers.get("authorization", "")[:7].lower() == "bearer ":
        return False
    return not wants_json(request.headers.get("accept", ""))


def login_redirect(request: Request, login_path: str) -> RedirectResponse:
    """A 303 to the login page, coming back to this page (GET) afterwards."""
    root = request.scope.get("root_path", "")
    target = f"{root}{login_path}"
    if request.method in ("GET", "HEAD"):
        here = root + request.path
        query = request.scope.get("query_string", b"")
        if query:
            here += "?" + query.decode("latin-1")
        target += "?next=" + quote(here, safe="/")
    return RedirectResponse(target, 303)


def not_logged_in() -> Unauthorized:
    """The 401 for API clients."""
    return Unauthorized(
        "Authentication required: log in, or send an API token as 'Authorization: Bearer ...'.",
        {"WWW-Authenticate": "Bearer"},
    )


def forbidden() -> Forbidden:
    """The 403 for a user without the permission."""
    return Forbidden("You do not have permission to do this.")
