"""The incoming HTTP request.

Everything is parsed lazily, on first use: headers, the query string, cookies, the body. Bodies are
read under the application's limits (``Content-Length`` is checked before reading), so a client can
never make Spruce hold more memory than the settings allow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from .datastructures import URL, Headers, QueryParams, State, parse_cookie_header
from .exceptions import BadRequest, PayloadTooLarge, SpruceError, UnsupportedMediaType
from .hostnames import host_name, server_host

if TYPE_CHECKING:
    from .app import Spruce
    from .responses import Receive, Scope
    from .routing.routes import Route
    from .sessions.session import Session
    from .uploads import FormData

__all__ = [
    "Address",
    "ClientDisconnect",
    "HTTPConnection",
    "Request",
    "check_json_depth",
    "current_request",
]

_current_request: ContextVar[Request | None] = ContextVar("spruce.request", default=None)


def current_request() -> Request | None:
    """The request being handled by this task or worker thread (``None`` outside a request).

    ``render("page.html")`` uses it to find the app and the request."""
    return _current_request.get()


class Address(NamedTuple):
    """A network peer: ``host`` and ``port``."""

    host: str
    port: int


class ClientDisconnect(SpruceError):
    """The client went away while its body was being read."""


def check_json_depth(data: bytes, limit: int) -> None:
    """Raise ``BadRequest`` when ``data`` nests arrays/objects deeper than ``limit``.

    Cheap in the common case: only a document with more than ``limit`` opening brackets in total
    needs the scan.
    """
    if data.count(b"[") + data.count(b"{") <= limit:
        return
    depth = 0
    in_string = False
    escaped = False
    for byte in data.translate(None, delete=_NOT_STRUCTURAL):
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                raise BadRequest(f"JSON nested deeper than {limit} levels")
        elif byte in (0x5D, 0x7D):
            depth -= 1


_NOT_STRUCTURAL = bytes(b for b in range(256) if b not in b'[]{}"\\')


class HTTPConnection:
    """What requests and WebSockets share: URL, headers, query, cookies, client, state."""

    _headers: Headers | None = None
    _query: QueryParams | None = None
    _cookies: dict[str, str] | None = None
    _url: URL | None = None
    _state: State | None = None
    route: Route | None = None

    def __init__(
        self,
        scope: Scope,
        receive: Receive | None = None,
        app: Spruce | None = None,
        path_params: dict[str, Any] | None = None,
    ) -> None:
        # The request pipeline builds its requests without this call and sets these same
        # attributes itself (spruce.pipeline): an attribute added here goes there too.
        self.scope = scope
        self._receive = receive or _no_body
        self.app: Spruce = app if app is not None else scope["app"]
        self.path_params: dict[str, Any] = path_params if path_params is not None else {}

    @property
    def path(self) -> str:
        """The decoded path, without the query string."""
        return str(self.scope["path"])

    @property
    def headers(self) -> Headers:
        """Request headers: case-insensitive, multi-valued."""
        if self._headers is None:
            self._headers = Headers(self.scope["headers"])
        return self._headers

    @property
    def query_params(self) -> QueryParams:
        """The query string: ``request.query_params.getlist("tag")``."""
        if self._query is None:
            self._query = QueryParams(self.scope.get("query_string", b""))
        return self._query

    query = query_params

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies the client sent."""
        if self._cookies is None:
            cookies: dict[str, str] = {}
            for name, value in self.scope["headers"]:
                if name == b"cookie":
                    for key, val in parse_cookie_header(value.decode("latin-1")).items():
                        cookies.setdefault(key, val)
            self._cookies = cookies
        return self._cookies

    @property
    def state(self) -> State:
        """Per-request storage for hooks, middleware and handlers."""
        if self._state is None:
            self._state = State()
        return self._state

    # -- where it came from (proxy-aware) -------------------------------------------------------
    def _forwarded(self, header: str) -> str | None:
        proxies = self.app.config.trusted_proxies
        if not proxies:
            return None
        peer = self.scope.get("client")
        if not proxies.trusts(peer[0] if peer else None):
            return None
        value = self.headers.get(header)
        return value.split(",")[0].strip() if value else None

    @property
    def client(self) -> Address | None:
        """The client's address; behind a trusted proxy, the one ``X-Forwarded-For`` names."""
        peer = self.scope.get("client")
        proxies = self.app.config.trusted_proxies
        if proxies and peer and proxies.trusts(peer[0]):
            forwarded = self.headers.get("x-forwarded-for")
            if forwarded:
                return Address(proxies.client_from_forwarded_for(forwarded, peer[0]), 0)
        return Address(peer[0], peer[1]) if peer else None

    @property
    def scheme(self) -> str:
        """``http`` or ``https`` (``X-Forwarded-Proto`` from a trusted proxy wins)."""
        forwarded = self._forwarded("x-forwarded-proto")
        if forwarded in ("http", "https"):
            return forwarded
        return str(self.scope.get("scheme", "http"))

    @property
    def is_secure(self) -> bool:
        """True when the request came over https."""
        return self.scheme == "https"

    @property
    def host(self) -> str:
        """The ``Host`` header (``X-Forwarded-Host`` from a trusted proxy wins), port included.

        A request with several ``Host`` headers or one that is not a host name or address is
        refused: reading this raises ``BadRequest`` (400)."""
        host = self._forwarded("x-forwarded-host")
        if not host:
            hosts = self.headers.getlist("host")
            if len(hosts) > 1:
                raise BadRequest("The request has more than one Host header.")
            if not hosts or not hosts[0]:
                return server_host(self.scope)
            host = hosts[0]
        if host_name(host) is None:
            raise BadRequest("Invalid Host header: not a host name or address.")
        return host

    @property
    def url(self) -> URL:
        """The full URL, as the client asked for it."""
        if self._url is None:
            self._url = URL.from_scope({**self.scope, "scheme": self.scheme}, host=self.host)
        return self._url

    @property
    def base_url(self) -> URL:
        """Scheme, host and root path: where the application is mounted."""
        return URL(f"{self.scheme}://{self.host}{self.scope.get('root_path', '')}/")

    def url_for(self, name: str, /, **params: Any) -> str:
        """The URL of route ``name``; with ``_external=True`` an absolute one on this host."""
        external = params.pop("_external", False)
        path = self.app.url_for(name, **params)
        root = self.scope.get("root_path", "")
        if external:
            return f"{self.scheme}://{self.host}{root}{path}"
        return f"{root}{path}"

    @property
    def session(self) -> Session:
        """The session (dict-like), loaded on first use: ``request.session["cart"] = [...]``.

        Needs the sessions battery: ``Spruce(batteries=[Sessions()])``."""
        handle = self.scope.get("spruce.session")
        if handle is None:
            from .sessions.errors import SessionsNotEnabled

            raise SessionsNotEnabled()
        session: Session = handle.get(self)
        return session

    @property
    def user(self) -> Any:
        """Who makes the request: the logged-in user, or an anonymous user (whose
        ``is_authenticated`` is false). Set by the auth battery before the handler runs:
        ``Spruce(batteries=[..., Auth()])``; without it, reading it raises ``AttributeError``."""
        try:
            return self.scope["spruce.user"]
        except KeyError:
            raise AttributeError(
                "request.user needs the auth battery: Spruce(batteries=[..., Auth()]) "
                "(from spruce.auth import Auth)"
            ) from None


class Request(HTTPConnection):
    """An HTTP request, as handlers and hooks see it."""

    _body: bytes | None = None
    _form: FormData | None = None
    _json: Any = None
    _stream_consumed: bool = False

    @property
    def method(self) -> str:
        """``GET``, ``POST``, ..."""
        return str(self.scope["method"])

    @property
    def content_type(self) -> str:
        """The media type of the body, lower-cased, without parameters (``""`` when absent)."""
        value = self.headers.get("content-type", "")
        return value.split(";", 1)[0].strip().lower()

    def _declared_length(self) -> int | None:
        value = self.headers.get("content-length")
        if value is None:
            return None
        try:
            length = int(value)
        except ValueError:
            raise BadRequest("Content-Length is not a number") from None
        if length < 0:
            raise BadRequest("Content-Length is negative")
        return length

    async def stream(self, limit: int | None = None) -> AsyncIterator[bytes]:
        """The body, chunk by chunk, as it arrives. Past ``limit`` bytes: 413."""
        if self._body is not None:
            yield self._body
            return
        if self._stream_consumed:
            raise RuntimeError("the request body was already read as a stream")
        self._stream_consumed = True
        if limit is not None:
            declared = self._declared_length()
            if declared is not None and declared > limit:
                raise PayloadTooLarge(f"Request body too large (limit {limit} bytes)")
        received = 0
        while True:
            message = await self._receive()
            kind = message["type"]
            if kind == "http.request":
                chunk = message.get("body", b"")
                if chunk:
                    received += len(chunk)
                    if limit is not None and received > limit:
                        raise PayloadTooLarge(f"Request body too large (limit {limit} bytes)")
                    yield chunk
                if not message.get("more_body", False):
                    return
            elif kind == "http.disconnect":
                raise ClientDisconnect("the client disconnected while sending its body")

    async def body(self) -> bytes:
        """The whole body, at most ``max_body_size`` bytes (413 past that)."""
        if self._body is None:
            chunks = [chunk async for chunk in self.stream(self.app.config.max_body_size)]
            self._body = b"".join(chunks)
        return self._body

    async def json(self) -> Any:
        """The body decoded as JSON; 400 with a message when it is not valid JSON."""
        if self._json is None:
            data = await self.body()
            if not data:
                raise BadRequest("Expected a JSON body, got an empty one")
            check_json_depth(data, self.app.config.max_json_depth)
            try:
                self._json = orjson.loads(data)
            except orjson.JSONDecodeError as exc:
                raise BadRequest(f"Malformed JSON: {exc}") from None
        return self._json

    async def form(self) -> FormData:
        """The form fields and uploaded files (url-encoded or multipart), under the form limits.

        Files larger than the spool threshold are kept on disk, not in memory. The files are
        closed when the response has been sent.
        """
        if self._form is None:
            from .formparsers import FormError, parse_form

            content_type = self.headers.get("content-type", "")
            config = self.app.config
            try:
                self._form = await parse_form(
                    content_type, self.stream(config.max_upload_size), config.form_limits
                )
            except FormError as exc:
                if exc.status_code == 415:
                    raise UnsupportedMediaType(exc.message) from None
                if exc.status_code == 413:
                    raise PayloadTooLarge(exc.message) from None
                raise BadRequest(exc.message) from None
        return self._form

    async def close(self) -> None:
        """Release what the request holds (uploaded files). Called by Spruce after responding."""
        if self._form is not None:
            await self._form.close()

    async def is_disconnected(self) -> bool:
        """True when the client has gone away (checked without blocking)."""
        import asyncio

        try:
            message = await asyncio.wait_for(self._receive(), timeout=0.0001)
        except TimeoutError:
            return False
        return bool(message.get("type") == "http.disconnect")

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path}>"


async def _no_body() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}
