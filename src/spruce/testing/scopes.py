"""ASGI scopes for the requests a test client makes, built from ``httpx.Request`` objects."""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..responses import Scope

if TYPE_CHECKING:
    import httpx

__all__ = ["http_scope", "websocket_scope"]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_WEBSOCKET_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


def _connection_scope(
    request: httpx.Request, scheme: str, client: tuple[str, int], state: dict[str, Any]
) -> Scope:
    url = request.url
    raw_path = url.raw_path.split(b"?", 1)[0]
    return {
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": scheme,
        "server": (url.host, url.port or _DEFAULT_PORTS.get(scheme, 80)),
        "client": client,
        "root_path": "",
        "path": url.path,
        "raw_path": raw_path,
        "query_string": url.query,
        "headers": [(name.lower(), value) for name, value in request.headers.raw],
        "state": dict(state),
        "extensions": {},
    }


def http_scope(request: httpx.Request, client: tuple[str, int], state: dict[str, Any]) -> Scope:
    """The ``http`` scope for ``request``, coming from ``client`` (host, port). ``state`` is the
    lifespan state; each request gets a shallow copy, as the ASGI lifespan spec says."""
    scope = _connection_scope(request, request.url.scheme, client, state)
    scope["type"] = "http"
    scope["method"] = request.method
    return scope


def websocket_scope(
    request: httpx.Request,
    client: tuple[str, int],
    state: dict[str, Any],
    subprotocols: Sequence[str] = (),
) -> Scope:
    """The ``websocket`` scope for a handshake described by ``request`` (a GET whose URL, headers
    and cookies the test client has already merged)."""
    request.headers["connection"] = "upgrade"
    request.headers["upgrade"] = "websocket"
    request.headers["sec-websocket-version"] = "13"
    request.headers["sec-websocket-key"] = base64.b64encode(os.urandom(16)).decode("ascii")
    if subprotocols:
        request.headers["sec-websocket-protocol"] = ", ".join(subprotocols)
    scheme = _WEBSOCKET_SCHEMES.get(request.url.scheme, "ws")
    scope = _connection_scope(request, scheme, client, state)
    scope["type"] = "websocket"
    scope["subprotocols"] = list(subprotocols)
    return scope


def as_http_url(url: str) -> str:
    """``ws://`` and ``wss://`` URLs as ``http://``/``https://`` ones, so httpx can merge them
    with the client's base URL and cookies (relative URLs are returned unchanged)."""
    for websocket_scheme, http_scheme in (("wss://", "https://"), ("ws://", "http://")):
        if url.startswith(websocket_scheme):
            return http_scheme + url[len(websocket_scheme) :]
    return url
