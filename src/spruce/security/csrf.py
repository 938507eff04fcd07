"""Cross-site request forgery (CSRF) protection.

Every POST, PUT, PATCH and DELETE reaching a route is checked before its ``before_request`` hooks
and its handler, JSON requests included:

1. **Origin.** When the browser says where the request comes from (``Origin``, else
   ``Sec-Fetch-Site``, else on https ``Referer``), it must be this site's own origin or one of
   ``csrf_trusted_origins``. ``Origin: null`` is refused.
2. **Token.** When the request carries cookies, it must also carry a token (the ``csrf_token``
   form field or the ``X-CSRF-Token`` header) made from this browser's secret. The secret lives in
   the session when sessions are on, else in an HttpOnly cookie (``__Host-csrftoken`` on https);
   each page gets a freshly masked token.

A request without any cookie has no ambient credentials for a forger to ride on, so it needs no
token (the origin check still applies); one that also carries an ``Authorization`` header of a
scheme browsers never add by themselves (``Bearer``...) is an API call and is not checked at all.
``Basic``/``Digest`` credentials are replayed by browsers, so those requests are checked.

Routes opt out explicitly: ``@csrf_exempt`` or ``@app.post("/hook", csrf_exempt=True)``.
Templates get ``{{ csrf_input() }}`` (the hidden field), ``{{ csrf_token }}``; code gets
``get_token(request)``; ``rotate_token(request)`` gives a browser a new secret (at login).
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..exceptions import ImproperlyConfigured
from .exceptions import BAD_ORIGIN, BAD_TOKEN, MISSING_TOKEN, NO_SECRET, CSRFError
from .origins import OriginList, normalise_origin, origin_of_url, own_origin
from .state import state_of
from .tokens import is_secret, mask, new_secret, token_matches

if TYPE_CHECKING:
    from ..requests import HTTPConnection, Request
    from ..responses import Response
    from ..routing.routes import Route
    from .settings import SecurityConfig

__all__ = [
    "SAFE_METHODS",
    "CSRFProtection",
    "SafeHTML",
    "csrf_exempt",
    "csrf_input",
    "get_token",
    "is_csrf_exempt",
    "rotate_token",
]

F = TypeVar("F", bound=Callable[..., Any])
Handler = Callable[["Request"], Awaitable["Response"]]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SESSION_KEY = "_csrf_secret"
EXTENSION_KEY = "spruce.security"  # app.extensions entry of the battery
EXEMPT_ATTRIBUTE = "__spruce_csrf_exempt__"
COOKIE_MAX_AGE = 365 * 24 * 60 * 60
# Schemes whose credentials a browser sends by itself once the user has typed them in.
AMBIENT_AUTH_SCHEMES = frozenset({"basic", "digest", "negotiate", "ntlm"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class SafeHTML(str):
    """Markup that templates insert as is (it has ``__html__``, like ``markupsafe.Markup``)."""

    __slots__ = ()

    def __html__(self) -> str:
        return str(self)


def csrf_exempt(endpoint: F) -> F:
    """Decorator: do not CSRF-check this handler (a webhook called by another server).

    Put it under the route decorator, or pass ``csrf_exempt=True`` to the route instead::

        @app.post("/hooks/payment")
        @csrf_exempt
        async def payment_hook(request: Request): ...
    """
    setattr(endpoint, EXEMPT_ATTRIBUTE, True)
    return endpoint


def is_csrf_exempt(route: Route) -> bool:
    """True when ``route`` opted out of the CSRF check."""
    return bool(
        route.options.get("csrf_exempt") or getattr(route.endpoint, EXEMPT_ATTRIBUTE, False)
    )


class CSRFProtection:
    """The CSRF check and token store of one app (``Security.csrf``)."""

    def __init__(self, config: SecurityConfig) -> None:
        self.enabled = config.csrf
        self.trusted = OriginList(config.csrf_trusted_origins)
        self.cookie_name = config.csrf_cookie_name
        self.header_name = config.csrf_header_name.lower()
        self.field_name = config.csrf_field_name
        self.always_secure = config.https

    # -- where the secret lives -----------------------------------------------------------------
    def cookie_name_for(self, connection: HTTPConnection) -> str:
        """``__Host-<name>`` on https (no subdomain or plain-http page can set it), else
        ``<name>``."""
        return f"__Host-{self.cookie_name}" if connection.is_secure else self.cookie_name

    def stored_secret(self, connection: HTTPConnection) -> str | None:
        """The browser's secret, read now (the session must be loaded if sessions are on)."""
        if "spruce.session" in connection.scope:
            value = connection.session.get(SESSION_KEY)
        else:
            value = connection.cookies.get(self.cookie_name_for(connection))
        return value if is_secret(value) else None

    async def load_secret(self, connection: HTTPConnection) -> str | None:
        """The browser's secret, loading the session from its store first when needed."""
        if "spruce.session" in connection.scope:
            from ..sessions import load_session

            await load_session(connection)
        return self.stored_secret(connection)

    def store_secret(self, connection: HTTPConnection, secret: str) -> None:
        """Keep ``secret`` for this browser: in its session, or in a cookie on the response."""
        state = state_of(connection.scope)
        state.csrf_secret = secret
        state.csrf_token = None
        if "spruce.session" in connection.scope:
            connection.session[SESSION_KEY] = secret
            return
        secure = connection.is_secure or self.always_secure
        name = self.cookie_name_for(connection)
        attributes = f"Max-Age={COOKIE_MAX_AGE}; Path=/; HttpOnly; SameSite=Lax"
        if secure or name.startswith("__Host-"):
            attributes += "; Secure"
        cookie = f"{name}={secret}; {attributes}".encode("latin-1")
        state.response_headers = [
            header for header in state.response_headers if not header[1].startswith(name.encode())
        ]
        state.response_headers.append((b"set-cookie", cookie))

    def token(self, connection: HTTPConnection) -> str:
        """A masked token for this browser's secret (made and stored if it has none yet)."""
        state = state_of(connection.scope)
        if state.csrf_token is not None:
            return state.csrf_token
        secret = state.csrf_secret or self.stored_secret(connection)
        if secret is None:
            secret = new_secret()
            self.store_secret(connection, secret)
        state.csrf_secret = secret
        if (b"vary", b"Cookie") not in state.response_headers:
            # a page holding one browser's token must not be served to another from a cache
            state.response_headers.append((b"vary", b"Cookie"))
            state.response_headers.append((b"cache-control", b"private"))
        token = state.csrf_token = mask(secret)
        return token

    # -- the check ------------------------------------------------------------------------------
    async def check(self, request: Request) -> None:
        """Raise ``CSRFError`` unless the unsafe ``request`` may go through."""
        headers = request.headers
        has_cookies = "cookie" in headers
        if not has_cookies:
            authorization = headers.get("authorization")
            if authorization:
                scheme = authorization.split(" ", 1)[0].strip().lower()
                if scheme not in AMBIENT_AUTH_SCHEMES:
                    return  # an API client with its own credentials: nothing ambient to forge
        self.check_origin(request)
        if not has_cookies:
            return
        secret = await self.load_secret(request)
        if secret is None:
            raise CSRFError(NO_SECRET)
        token = headers.get(self.header_name) or await self._form_token(request)
        if not token:
            raise CSRFError(MISSING_TOKEN)
        if not token_matches(token.strip(), secret):
            raise CSRFError(BAD_TOKEN)

    def check_origin(self, connection: HTTPConnection) -> None:
        """Raise ``CSRFError`` when the browser says the request comes from an untrusted site."""
        headers = connection.headers
        origin = headers.get("origin")
        if origin is not None:
            if not self.is_trusted(origin, connection):
                raise CSRFError(BAD_ORIGIN)
            return
        site = headers.get("sec-fetch-site")
        if site is not None:
            if site.strip().lower() in ("cross-site", "same-site"):
                raise CSRFError(BAD_ORIGIN)
            return
        referer = headers.get("referer")
        if referer and connection.is_secure:
            referer_origin = origin_of_url(referer)
            if referer_origin is None or not self.is_trusted(referer_origin, connection):
                raise CSRFError(BAD_ORIGIN)

    def is_trusted(self, origin: str, connection: HTTPConnection) -> bool:
        """True for the request's own origin and the trusted ones; never for ``null``."""
        normalised = normalise_origin(origin)
        if normalised == "null" or not normalised:
            return False
        return normalised == own_origin(connection) or normalised in self.trusted

    async def _form_token(self, request: Request) -> str | None:
        if not request.content_type.startswith(FORM_TYPES):
            return None
        value = (await request.form()).get(self.field_name)
        return value if isinstance(value, str) else None

    # -- wiring ---------------------------------------------------------------------------------
    def wrap_route(self, route: Route, handler: Handler) -> Handler | None:
        """At startup: ``handler`` behind the check, for routes taking unsafe methods that have
        not opted out (None leaves the route alone, at no cost per request)."""
        if not self.enabled or is_csrf_exempt(route):
            return None
        unsafe = [method for method in route.methods if method not in SAFE_METHODS]
        if not unsafe:
            return None
        check = self.check
        if len(unsafe) == len(route.methods):

            async def checked(request: Request) -> Response:
                await check(request)
                return await handler(request)

            return checked

        async def checked_when_unsafe(request: Request) -> Response:
            if request.scope["method"] not in SAFE_METHODS:
                await check(request)
            return await handler(request)

        return checked_when_unsafe


def _protection(connection: HTTPConnection) -> CSRFProtection:
    battery = connection.app.extensions.get(EXTENSION_KEY)
    if battery is None:
        raise ImproperlyConfigured(
            "CSRF tokens need the security battery, which this app turned off "
            "(Spruce(security=False)); install spruce.security.Security() to use them"
        )
    protection: CSRFProtection = battery.csrf
    return protection


def get_token(request: HTTPConnection) -> str:
    """The CSRF token to put in this response's forms (the ``csrf_token`` field) or to hand to
    scripts (the ``X-CSRF-Token`` header). Masked afresh for each response; the same within one."""
    return _protection(request).token(request)


def rotate_token(request: HTTPConnection) -> None:
    """Give this browser a new CSRF secret: tokens issued before stop working. Call it when a
    user logs in or out (the auth battery does)."""
    _protection(request).store_secret(request, new_secret())


def csrf_input(request: HTTPConnection) -> SafeHTML:
    """The hidden form field carrying the token: ``<input type="hidden" name="csrf_token" ...>``."""
    protection = _protection(request)
    name = html.escape(protection.field_name, quote=True)
    return SafeHTML(f'<input type="hidden" name="{name}" value="{protection.token(request)}">')
