"""``SecurityMiddleware``: the per-request work that must happen before routing.

In order: the allowed-hosts check (400), the redirect of plain http to https, CORS preflights;
then, when the response starts, the security headers, the CORS headers and what the request's
CSRF token or CSP nonce needs (a cookie, ``Vary: Cookie``). WebSocket handshakes get the host
check and, with CSRF on, the origin check (a page on another site cannot open a socket with the
user's cookies).

Built once at startup with only the parts the settings turn on; a GET without an ``Origin``
costs one pass over the first request header and one list concatenation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..errors import http_error_response
from ..exceptions import BadRequest
from ..requests import HTTPConnection
from ..responses import RedirectResponse
from .exceptions import CSRFError
from .state import STATE_KEY

if TYPE_CHECKING:
    from ..app import Spruce
    from ..responses import Message, Receive, Scope, Send
    from .cors import CORSPolicy
    from .csrf import CSRFProtection
    from .headers import HeaderPolicy
    from .hosts import AllowedHosts
    from .state import RequestState

__all__ = ["SecurityMiddleware"]

ASGIApp = Callable[["Scope", "Receive", "Send"], Awaitable[None]]
RawHeaders = list[tuple[bytes, bytes]]
_CACHE_SIZE = 64


class SecurityMiddleware:
    """Hosts, https redirect, CORS and security headers for one app (see the module doc)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        spruce: Spruce,
        headers: HeaderPolicy,
        hosts: AllowedHosts | None = None,
        https_redirect: bool = False,
        cors: CORSPolicy | None = None,
        csrf: CSRFProtection | None = None,
    ) -> None:
        self.app = app
        self.spruce = spruce
        self.policy = headers
        self.hosts = hosts
        self.https_redirect = https_redirect
        self.cors = cors
        self.csrf = csrf if csrf is not None and csrf.enabled else None
        self.debug = spruce.config.debug
        self.proxies = bool(spruce.config.trusted_proxies)
        self._good_hosts: dict[bytes, bool] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "websocket":
                await self._websocket(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        if self.hosts is not None and not self._host_allowed(scope):
            await self._refuse_host(scope, receive, send)
            return
        if self.https_redirect and self._scheme(scope) == "http":
            await self._redirect_to_https(scope, receive, send)
            return
        origin: str | None = None
        cors = self.cors
        if cors is not None:
            origin = _header(scope, b"origin")
            if origin is not None and scope["method"] == "OPTIONS":
                requested = _header(scope, b"access-control-request-method")
                if requested is not None:
                    await self._answer_preflight(scope, send, origin, requested)
                    return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self.response_headers(scope, message.get("headers", ()), origin)
            await send(message)

        await self.app(scope, receive, send_secured)

    # -- response headers -----------------------------------------------------------------------
    def response_headers(
        self, scope: Scope, headers: RawHeaders, origin: str | None = None
    ) -> RawHeaders:
        """``headers`` plus the security headers the handler did not set itself, the CORS
        headers, and what the request's CSRF token needs."""
        state: RequestState | None = scope.get(STATE_KEY)
        policy = self.policy
        nonce = None
        if state is not None:
            nonce = state.csp_nonce
            if state.headers is not None:
                policy = state.headers
        added = policy.headers(nonce)
        names = policy.names
        for name, _ in headers:
            if name in names:
                present = {n for n, _ in headers}
                added = [header for header in added if header[0] not in present]
                break
        result = [*headers, *added]
        if state is not None and state.response_headers:
            _merge(result, state.response_headers)
        if self.cors is not None:
            _merge(result, self.cors.response_headers(origin))
        return result

    # -- hosts ----------------------------------------------------------------------------------
    def _host_allowed(self, scope: Scope) -> bool:
        if self.proxies:
            host = HTTPConnection(scope, None, self.spruce).host
            assert self.hosts is not None
            return self.hosts.allows(host)
        for name, value in scope["headers"]:  # noqa: B007 - value is read after the loop
            if name == b"host":
                break
        else:
            server = scope.get("server")
            value = f"{server[0]}:{server[1]}".encode() if server else b""
        if value in self._good_hosts:
            return True
        assert self.hosts is not None
        allowed = self.hosts.allows(value.decode("latin-1"))
        if allowed and len(self._good_hosts) < _CACHE_SIZE:
            self._good_hosts[value] = True
        return allowed

    async def _refuse_host(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.debug:
            host = HTTPConnection(scope, None, self.spruce).host
            detail = (
                f"Invalid Host header {host!r}: it is not in allowed_hosts "
                f"{list(self.hosts.patterns) if self.hosts else []}. Add it, e.g. "
                f"SPRUCE_ALLOWED_HOSTS='[\"{host.rpartition(':')[0] or host}\"]'."
            )
        else:
            detail = "Invalid Host header: this host name is not served here."
        response = http_error_response(BadRequest(detail), _header(scope, b"accept") or "")
        await response(scope, receive, self._secured(scope, send))

    # -- https ----------------------------------------------------------------------------------
    def _scheme(self, scope: Scope) -> str:
        if self.proxies:
            return HTTPConnection(scope, None, self.spruce).scheme
        return str(scope.get("scheme", "http"))

    async def _redirect_to_https(self, scope: Scope, receive: Receive, send: Send) -> None:
        host = HTTPConnection(scope, None, self.spruce).host
        raw_path = scope.get("raw_path")
        if raw_path:
            path = raw_path.decode("latin-1")
        else:
            path = quote(scope.get("root_path", "") + scope["path"])
        query = scope.get("query_string", b"")
        url = f"https://{host}{path}" + (f"?{query.decode('latin-1')}" if query else "")
        status = 301 if scope["method"] in ("GET", "HEAD") else 308
        await RedirectResponse(url, status)(scope, receive, self._secured(scope, send))

    # -- CORS -----------------------------------------------------------------------------------
    async def _answer_preflight(
        self, scope: Scope, send: Send, origin: str, method: str
    ) -> None:
        assert self.cors is not None
        requested_headers = _header(scope, b"access-control-request-headers") or ""
        status, headers = self.cors.preflight(origin, method, requested_headers)
        headers = [*headers, *self.policy.headers(None), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    def _secured(self, scope: Scope, send: Send) -> Send:
        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self.response_headers(scope, message.get("headers", ()))
            await send(message)

        return send_secured

    # -- WebSockets -----------------------------------------------------------------------------
    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = HTTPConnection(scope, receive, self.spruce)
        refused = (self.hosts is not None and not self.hosts.allows(connection.host)) or (
            self.https_redirect and connection.scheme in ("ws", "http")
        )
        if not refused and self.csrf is not None:
            try:
                self.csrf.check_origin(connection)
            except CSRFError:
                refused = True
        if refused:
            await send({"type": "websocket.close", "code": 1008, "reason": ""})
            return
        await self.app(scope, receive, send)


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _merge(headers: RawHeaders, extra: RawHeaders) -> None:
    """Append ``extra`` to ``headers``, folding ``Vary`` values into one header."""
    for name, value in extra:
        if name != b"vary":
            headers.append((name, value))
            continue
        for index, (existing, current) in enumerate(headers):
            if existing == b"vary":
                listed = {v.strip().lower() for v in current.split(b",")}
                missing = [v for v in value.split(b",") if v.strip().lower() not in listed]
                if missing:
                    joined = b", ".join([current, *(v.strip() for v in missing)])
                    headers[index] = (b"vary", joined)
                break
        else:
            headers.append((name, value))
