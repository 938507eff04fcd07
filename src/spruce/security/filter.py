"""``SecurityFilter``: the security battery's work on every request.

Before routing: the allowed-hosts check (400), the redirect of plain http to https, CORS
preflights. Before sending the response: the security headers, the CORS headers and what the request's
CSRF token or CSP nonce needs (a cookie, ``Vary: Cookie``). WebSocket handshakes get the host
check and, with CSRF on, the origin check (a page on another site cannot open a socket with the
user's cookies).

It is not an ASGI middleware but a request filter (``app.add_request_filter``: a plain call
before routing) and a response hook (``app.add_response_hook``: a plain call before sending),
configured on the first request with only the parts the settings turn on. A GET costs a look at
its ``Host`` header, a glance at the response's headers and one list extension.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import quote

from ..errors import http_error_response
from ..exceptions import BadRequest
from ..hostnames import server_host
from ..requests import HTTPConnection
from ..responses import RedirectResponse, Response
from .exceptions import CSRFError
from .state import STATE_KEY

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..app import Spruce
    from ..responses import Scope, Send
    from .cors import CORSPolicy
    from .csrf import CSRFProtection
    from .headers import HeaderPolicy
    from .hosts import AllowedHosts
    from .state import RequestState

__all__ = ["FilterParts", "SecurityFilter"]

RawHeaders = list[tuple[bytes, bytes]]
_CACHE_SIZE = 64


class FilterParts(NamedTuple):
    """What a ``SecurityFilter`` enforces (``hosts=None``: any host; ``cors=None``: no CORS)."""

    headers: HeaderPolicy
    hosts: AllowedHosts | None
    https_redirect: bool
    cors: CORSPolicy | None
    csrf: CSRFProtection | None


class SecurityFilter:
    """Hosts, https redirect, CORS and security headers for one app (see the module doc).

    ``settings`` is called on the first request (the app has started by then) and returns the
    parts to use; ``None`` for ``hosts`` accepts every host, for ``cors`` turns CORS off.
    """

    def __init__(self, spruce: Spruce, settings: Callable[[], FilterParts]) -> None:
        self.spruce = spruce
        self._settings = settings
        self._ready = False
        #: Host header values this filter lets HTTP requests through with, untouched (filled on
        #: the fast path; the app skips the filter for them: see ``add_request_filter``).
        self.passes_hosts: dict[bytes, bool] = {}
        #: The headers ``finish`` adds to every response of a request without security state
        #: (filled when prepared, if they are the same for every response; the app then adds
        #: them itself: see ``add_response_hook``).
        self.static_headers: list[tuple[bytes, bytes]] = []
        self._fast = self._static = False  # until prepared: every request takes the long way

    def _prepare(self) -> None:
        parts = self._settings()
        self.policy = parts.headers
        self.hosts = parts.hosts
        self.https_redirect = parts.https_redirect
        self.cors = parts.cors
        self.csrf = parts.csrf if parts.csrf is not None and parts.csrf.enabled else None
        self.debug = self.spruce.config.debug
        self.proxies = bool(self.spruce.config.trusted_proxies)
        self._good_hosts: dict[bytes, bool] = {}
        # The common cases, decided once. Before routing: no CORS, no redirect, and the Host
        # header alone names the host. After: the same headers for every response.
        self._fast = self.cors is None and not self.https_redirect and not self.proxies
        self._static = self.cors is None and self.policy.csp_template is None
        self._fast_hosts = self._good_hosts if self.hosts is not None else None
        self._fixed = self.policy.fixed
        self._names = self.policy.names
        if self._static:
            self.static_headers[:] = self._fixed
        self._ready = True

    def __call__(self, scope: Scope, send: Send) -> Send | Response:
        """Before routing: ``send`` to go on, or the response refusing the request."""
        if self._fast and scope["type"] == "http":
            good_hosts = self._fast_hosts
            if good_hosts is not None:
                # Clients send Host first: a host seen before is one dict lookup; anything else
                # is parsed and checked.
                headers = scope["headers"]
                if (
                    not headers or headers[0][0] != b"host" or headers[0][1] not in good_hosts
                ) and not self._host_allowed(scope):
                    return self._refuse_host(scope)
            headers = scope["headers"]
            if headers and headers[0][0] == b"host" and len(self.passes_hosts) < _CACHE_SIZE:
                self.passes_hosts[headers[0][1]] = True
            return send
        return self._filter(scope, send)

    def _filter(self, scope: Scope, send: Send) -> Send | Response:
        """Everything the fast path leaves out: WebSockets, proxies, redirects, CORS."""
        if not self._ready:
            self._prepare()
            return self(scope, send)
        if scope["type"] != "http":
            return self._websocket(scope, send)
        if self.hosts is not None and not self._host_allowed(scope):
            return self._refuse_host(scope)
        if self.https_redirect and self._scheme(scope) == "http":
            return self._redirect_to_https(scope)
        if self.cors is not None and scope["method"] == "OPTIONS":
            origin = _header(scope, b"origin")
            requested = _header(scope, b"access-control-request-method")
            if origin is not None and requested is not None:
                return self._preflight(scope, origin, requested)
        return send

    def finish(self, scope: Scope, response: Response) -> Response:
        """Just before sending (a response hook): add the headers. The app's fixed headers go
        into the response itself (a response sent again already has them); what is specific to
        this request (a CSRF cookie, CORS, a nonce, a route's own headers) goes into a copy."""
        if self._static and STATE_KEY not in scope:
            raw = response.raw_headers
            names = self._names
            for name, _ in raw:
                if name in names:
                    present = {n for n, _ in raw}
                    raw.extend([header for header in self._fixed if header[0] not in present])
                    return response
            raw.extend(self._fixed)
            return response
        if not self._ready:
            self._prepare()
            return self.finish(scope, response)
        origin = _header(scope, b"origin") if self.cors is not None else None
        return _copy_with(response, self.response_headers(scope, response.raw_headers, origin))

    # -- response headers -----------------------------------------------------------------------
    def response_headers(
        self, scope: Scope, headers: RawHeaders, origin: str | None = None
    ) -> RawHeaders:
        """A new list: ``headers`` plus the security headers not already among them, the CORS
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

    def _answer(self, response: Response, scope: Scope) -> Response:
        response.raw_headers = self.response_headers(scope, response.raw_headers)
        return response

    # -- hosts ----------------------------------------------------------------------------------
    def _host_allowed(self, scope: Scope) -> bool:
        hosts = self.hosts
        assert hosts is not None
        if self.proxies:
            host = self._host(scope)
            return host is not None and hosts.allows(host)
        value = _header(scope, b"host")
        if value is None:
            value = server_host(scope)
        allowed = hosts.allows(value)
        if allowed and len(self._good_hosts) < _CACHE_SIZE:
            self._good_hosts[value.encode("latin-1")] = True
        return allowed

    def _host(self, scope: Scope) -> str | None:
        """The request's host as handlers see it, or None when it is malformed (several
        ``Host`` headers, not a host name)."""
        try:
            return HTTPConnection(scope, None, self.spruce).host
        except BadRequest:
            return None

    def _refuse_host(self, scope: Scope) -> Response:
        if self.debug:
            host = self._host(scope) or _header(scope, b"host") or ""
            name = host.rpartition(":")[0] if host.rpartition(":")[2].isdigit() else host
            patterns = list(self.hosts.patterns) if self.hosts is not None else []
            detail = (
                f"Invalid Host header {host!r}: it is not in allowed_hosts {patterns}. "
                f"Add it, e.g. SPRUCE_ALLOWED_HOSTS='[\"{name}\"]'."
            )
        else:
            detail = "Invalid Host header: this host name is not served here."
        response = http_error_response(BadRequest(detail), _header(scope, b"accept") or "")
        return self._answer(response, scope)

    # -- https ----------------------------------------------------------------------------------
    def _scheme(self, scope: Scope) -> str:
        if self.proxies:
            return HTTPConnection(scope, None, self.spruce).scheme
        return str(scope.get("scheme", "http"))

    def _redirect_to_https(self, scope: Scope) -> Response:
        host = self._host(scope)
        if host is None:
            return self._refuse_host(scope)
        raw_path = scope.get("raw_path")
        if raw_path:
            path = raw_path.decode("latin-1")
        else:
            path = quote(scope.get("root_path", "") + scope["path"])
        query = scope.get("query_string", b"")
        url = f"https://{host}{path}" + (f"?{query.decode('latin-1')}" if query else "")
        status = 301 if scope["method"] in ("GET", "HEAD") else 308
        return self._answer(RedirectResponse(url, status), scope)

    # -- CORS -----------------------------------------------------------------------------------
    def _preflight(self, scope: Scope, origin: str, method: str) -> Response:
        assert self.cors is not None
        requested_headers = _header(scope, b"access-control-request-headers") or ""
        status, headers = self.cors.preflight(origin, method, requested_headers)
        response = Response(None, status)
        response.raw_headers = [*headers, *self.policy.headers(None)]
        return response

    # -- WebSockets -----------------------------------------------------------------------------
    def _websocket(self, scope: Scope, send: Send) -> Send | Response:
        connection = HTTPConnection(scope, None, self.spruce)
        host = self._host(scope)
        refused = (
            host is None
            or (self.hosts is not None and not self.hosts.allows(host))
            or (self.https_redirect and connection.scheme in ("ws", "http"))
        )
        if not refused and self.csrf is not None:
            try:
                self.csrf.check_origin(connection)
            except CSRFError:
                refused = True
        return Response(None, 403) if refused else send


def _copy_with(response: Response, headers: RawHeaders) -> Response:
    """A shallow copy of ``response`` with other headers (the original may be sent again)."""
    try:
        clone = object.__new__(type(response))
        clone.__dict__.update(response.__dict__)
    except AttributeError:  # a response class with __slots__
        import copy

        clone = copy.copy(response)
    clone.raw_headers = headers
    return clone


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == wanted:
            return str(value.decode("latin-1"))
    return None


def _merge(headers: RawHeaders, extra: RawHeaders) -> None:
    """Append ``extra`` to ``headers``, folding ``Vary`` values into one header and leaving a
    ``Cache-Control`` the response has alone."""
    for name, value in extra:
        if name == b"cache-control":
            if all(existing != b"cache-control" for existing, _ in headers):
                headers.append((name, value))
            continue
        if name != b"vary":
            headers.append((name, value))
            continue
        for index, (existing, current) in enumerate(headers):
            if existing == b"vary":
                listed = {v.strip().lower() for v in current.split(b",")}
                missing = [v.strip() for v in value.split(b",") if v.strip().lower() not in listed]
                if missing:
                    headers[index] = (b"vary", b", ".join([current, *missing]))
                break
        else:
            headers.append((name, value))
