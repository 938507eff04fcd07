"""``TestClient``: a synchronous httpx client that drives a Spruce (or any ASGI) application.

client = app.test_client()
assert client.get("/").status_code == 200

with app.test_client() as client:      # runs the lifespan: startup and shutdown hooks
    client.post("/login", data={...})  # cookies are kept between requests
    with client.websocket_connect("/ws") as ws:
        ws.send_text("hi")
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from .connection import ASGIApp
from .lifespan import Lifespan
from .portal import Portal
from .scopes import as_http_url, websocket_scope
from .transport import DEFAULT_CLIENT_ADDRESS, AppTransport
from .websocket import AsyncWebSocketSession, WebSocketSession

__all__ = ["TestClient"]

DEFAULT_BASE_URL = "http://localhost"


class TestClient(httpx.Client):
    """A synchronous test client bound to ``app`` (``app.test_client()`` makes one).

    Everything ``httpx.Client`` does works: ``get``/``post``/... with ``params``, ``json``,
    ``data``, ``files``, ``headers``, ``cookies``; ``client.stream(...)`` to read a streaming
    response piece by piece; cookies persist between requests.

    The application runs on an event loop in a background thread (one per client), so sync and
    async handlers, several requests and WebSocket sessions all work from a plain test function.
    As a context manager the client runs the application's lifespan; without ``with`` there is
    no startup or shutdown, and the application freezes on its first request.

    ``base_url`` defaults to ``http://localhost`` (a host the application allows by default).
    An unhandled exception in a handler gives the 500 response users would get (Spruce logs the
    traceback); ``raise_server_exceptions=True`` raises it in the test instead.
    ``client_address`` is the peer address the application sees. Redirects are followed unless
    ``follow_redirects=False`` (here or per request). Other keyword arguments go to
    ``httpx.Client`` (``headers``, ``cookies``, ``timeout``...).
    """

    __test__ = False  # not a test class, even when imported into a test module

    def __init__(
        self,
        app: ASGIApp,
        *,
        base_url: str = DEFAULT_BASE_URL,
        raise_server_exceptions: bool = False,
        client_address: tuple[str, int] = DEFAULT_CLIENT_ADDRESS,
        follow_redirects: bool = True,
        **options: Any,
    ) -> None:
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions
        self.portal = Portal()
        self._lifespan_state: dict[str, Any] = {}
        self._app_transport = AppTransport(
            app,
            raise_server_exceptions=raise_server_exceptions,
            client_address=client_address,
            state=self._lifespan_state,
        )
        self._lifespan: Lifespan | None = None
        super().__init__(
            base_url=base_url,
            transport=_PortalTransport(self._app_transport, self.portal),
            follow_redirects=follow_redirects,
            **options,
        )

    # -- lifespan -------------------------------------------------------------------------------
    def __enter__(self) -> Self:
        super().__enter__()
        lifespan = Lifespan(self.app, self._lifespan_state)
        try:
            self.portal.call(lifespan.startup)
        except BaseException:
            super().__exit__(None, None, None)
            self.portal.stop()
            raise
        self._lifespan = lifespan
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        lifespan, self._lifespan = self._lifespan, None
        try:
            if lifespan is not None:
                self.portal.call(lifespan.shutdown)
        finally:
            super().__exit__(exc_type, exc_value, traceback)
            self.portal.stop()

    def close(self) -> None:
        """Close the client and stop its event loop (``with`` does this for you)."""
        super().close()
        self.portal.stop()

    # -- WebSockets -----------------------------------------------------------------------------
    def websocket_connect(
        self,
        url: str,
        *,
        params: httpx._types.QueryParamTypes | None = None,
        headers: httpx._types.HeaderTypes | None = None,
        subprotocols: Sequence[str] = (),
    ) -> WebSocketSession:
        """Open a WebSocket to ``url`` (relative to ``base_url``; the client's cookies and
        headers are sent). Returns the session once the application accepted; raises
        ``WebSocketDenied`` (with the close code) when it closed the connection first."""
        request = self.build_request("GET", as_http_url(url), params=params, headers=headers)
        scope = websocket_scope(
            request, self._app_transport.client_address, self._lifespan_state, subprotocols
        )
        session = self.portal.call(
            AsyncWebSocketSession.connect, self.app, scope, self.raise_server_exceptions
        )
        return WebSocketSession(session, self.portal)


class _PortalTransport(httpx.BaseTransport):
    """The sync side of ``AppTransport``: each request runs on the client's portal."""

    def __init__(self, transport: AppTransport, portal: Portal) -> None:
        self._transport = transport
        self._portal = portal

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        stream = request.stream
        body = (
            _async_chunks(stream)
            if isinstance(stream, httpx.AsyncByteStream)
            else _chunks_from_thread(stream)
        )
        response = self._portal.call(self._transport.exchange, request, body)
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_SyncBody(response.stream, self._portal),
            extensions=response.extensions,
        )


class _SyncBody(httpx.SyncByteStream):
    """A response body read from the test thread, chunk by chunk, through the portal."""

    def __init__(self, stream: httpx.AsyncByteStream, portal: Portal) -> None:
        self._stream = stream
        self._portal = portal

    def __iter__(self) -> Iterator[bytes]:
        chunks = self._stream.__aiter__()
        while True:
            chunk = self._portal.call(_next_chunk, chunks)
            if chunk is None:
                return
            yield chunk

    def close(self) -> None:
        self._portal.call(self._stream.aclose)


async def _next_chunk(chunks: AsyncIterator[bytes]) -> bytes | None:
    try:
        return await anext(chunks)
    except StopAsyncIteration:
        return None


async def _async_chunks(stream: httpx.AsyncByteStream) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield chunk


async def _chunks_from_thread(stream: Iterable[bytes]) -> AsyncIterator[bytes]:
    """A sync request body (a generator the test passed as ``content``), advanced in a worker
    thread so a slow producer never blocks the application's loop."""
    chunks = iter(stream)
    while True:
        chunk = await asyncio.to_thread(next, chunks, None)
        if chunk is None:
            return
        yield chunk
