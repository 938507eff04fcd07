"""``AsyncTestClient``: an ``httpx.AsyncClient`` that drives the application on the test's own
event loop.

    async with AsyncTestClient(app) as client:   # runs the lifespan
        response = await client.get("/")
        async with client.websocket_connect("/ws") as ws:
            await ws.send_text("hi")
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

import httpx

from .connection import ASGIApp
from .lifespan import Lifespan
from .scopes import as_http_url, websocket_scope
from .transport import DEFAULT_CLIENT_ADDRESS, AppTransport
from .websocket import WebSocketConnect

__all__ = ["AsyncTestClient"]


class AsyncTestClient(httpx.AsyncClient):
    """An async test client bound to ``app``; use it as ``async with AsyncTestClient(app)``.

    The block runs the application's lifespan (startup before, shutdown after). Requests may run
    concurrently (``asyncio.gather``); request bodies may be async iterators of chunks; streaming
    responses are read with ``client.stream(...)``. Options are those of ``TestClient``.
    """

    __test__ = False

    def __init__(
        self,
        app: ASGIApp,
        *,
        base_url: str = "http://localhost",
        raise_server_exceptions: bool = False,
        client_address: tuple[str, int] = DEFAULT_CLIENT_ADDRESS,
        follow_redirects: bool = True,
        **options: Any,
    ) -> None:
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions
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
            transport=self._app_transport,
            follow_redirects=follow_redirects,
            **options,
        )

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        lifespan = Lifespan(self.app, self._lifespan_state)
        try:
            await lifespan.startup()
        except BaseException:
            await super().__aexit__(None, None, None)
            raise
        self._lifespan = lifespan
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        lifespan, self._lifespan = self._lifespan, None
        try:
            if lifespan is not None:
                await lifespan.shutdown()
        finally:
            await super().__aexit__(exc_type, exc_value, traceback)

    def websocket_connect(
        self,
        url: str,
        *,
        params: httpx._types.QueryParamTypes | None = None,
        headers: httpx._types.HeaderTypes | None = None,
        subprotocols: Sequence[str] = (),
    ) -> WebSocketConnect:
        """Open a WebSocket: ``async with client.websocket_connect("/ws") as ws:`` or
        ``ws = await client.websocket_connect("/ws")``. Raises ``WebSocketDenied`` when the
        application closes before accepting."""
        request = self.build_request("GET", as_http_url(url), params=params, headers=headers)
        scope = websocket_scope(
            request, self._app_transport.client_address, self._lifespan_state, subprotocols
        )
        return WebSocketConnect(self.app, scope, self.raise_server_exceptions)
