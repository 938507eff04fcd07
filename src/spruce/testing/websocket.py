"""WebSocket sessions between a test and the application: send and receive text, bytes, JSON.

``client.websocket_connect(path)`` performs the handshake at once: it returns a session when the
application accepts and raises ``WebSocketDenied`` (with the close code) when it closes first.
``receive_*`` raises ``WebSocketDisconnect`` once the application has closed the connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Generator
from types import TracebackType
from typing import Any, Literal, Self, TypeVar

import httpx
import orjson

from ..responses import Message, Scope, json_dumps
from ..websockets import WebSocketDisconnect
from .capture import install_capture_handler
from .connection import AppConnection, ASGIApp, ConnectionClosed, unexpected
from .errors import WebSocketDenied
from .portal import Portal

__all__ = ["AsyncWebSocketSession", "WebSocketConnect", "WebSocketSession"]

logger = logging.getLogger("spruce.testing")

JSONMode = Literal["text", "binary"]
T = TypeVar("T")


class AsyncWebSocketSession:
    """An accepted WebSocket connection, for async tests (``AsyncTestClient``).

    ``subprotocol`` is the one the application chose; ``headers`` the extra headers it accepted
    with. ``raise_server_exceptions``: when the application crashed, raise its exception instead
    of ``WebSocketDisconnect`` with code 1011.
    """

    def __init__(self, connection: AppConnection, accept: Message, raise_server_exceptions: bool):
        self._connection = connection
        self._raise = raise_server_exceptions
        self.subprotocol: str | None = accept.get("subprotocol")
        self.headers = httpx.Headers([(bytes(k), bytes(v)) for k, v in accept.get("headers", ())])
        self._server_close: WebSocketDisconnect | None = None
        self._client_closed = False

    @classmethod
    async def connect(
        cls, app: ASGIApp, scope: Scope, raise_server_exceptions: bool = False
    ) -> AsyncWebSocketSession:
        """Start the application on ``scope`` and complete the handshake."""
        if raise_server_exceptions:
            install_capture_handler()
        connection = AppConnection(app, scope, closed_send_error=ConnectionClosed)
        connection.start()
        connection.push({"type": "websocket.connect"})
        message = await connection.pull()
        if message is not None and message["type"] == "websocket.accept":
            return cls(connection, message, raise_server_exceptions)
        connection.push({"type": "websocket.disconnect", "code": 1006, "reason": ""})
        error = await connection.finish()
        if raise_server_exceptions:
            _raise_first(error, connection.errors)
        if error is not None:
            logger.error("Exception in the ASGI application", exc_info=error)
        if message is None:
            if error is not None:
                raise WebSocketDenied(1011, "the application failed before accepting") from error
            raise WebSocketDenied(1006, "the application returned without accepting")
        if message["type"] == "websocket.close":
            raise WebSocketDenied(message.get("code") or 1000, message.get("reason") or "")
        raise unexpected("'websocket.accept' or 'websocket.close'", message)

    # -- sending --------------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._client_closed:
            raise RuntimeError("this WebSocket session is closed")
        if self._server_close is not None:
            raise RuntimeError(
                f"the application closed this WebSocket (code {self._server_close.code})"
            )

    async def send(self, message: Message) -> None:
        """Send a raw ASGI message (``{"type": "websocket.receive", ...}``) to the application."""
        self._check_open()
        self._connection.push(message)

    async def send_text(self, data: str) -> None:
        """Send a text message."""
        await self.send({"type": "websocket.receive", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        await self.send({"type": "websocket.receive", "bytes": bytes(data)})

    async def send_json(self, data: Any, mode: JSONMode = "text") -> None:
        """Send ``data`` encoded as JSON, in a text (default) or binary message."""
        encoded = json_dumps(data)
        if mode == "binary":
            await self.send_bytes(encoded)
        else:
            await self.send_text(encoded.decode("utf-8"))

    # -- receiving ------------------------------------------------------------------------------
    async def receive(self) -> Message:
        """The next ``websocket.send`` message from the application.

        Raises ``WebSocketDisconnect`` (with the close code) when the application closed. To wait
        a bounded time, wrap the call in ``asyncio.timeout(seconds)``.
        """
        if self._server_close is not None:
            raise self._server_close
        if self._client_closed:
            raise RuntimeError("this WebSocket session is closed")
        message = await self._connection.pull()
        if message is not None and message["type"] == "websocket.send":
            return message
        if message is not None and message["type"] != "websocket.close":
            raise unexpected("'websocket.send' or 'websocket.close'", message)
        await self._on_server_close(message)
        assert self._server_close is not None
        raise self._server_close

    async def _on_server_close(self, message: Message | None) -> None:
        connection = self._connection
        if message is None:  # the application returned (or crashed) without closing
            error = await connection.finish()
            code = 1011 if error is not None else 1000
        else:
            connection.push({"type": "websocket.disconnect", "code": message.get("code") or 1000})
            error = await connection.finish()
            code = message.get("code") or 1000
        self._server_close = WebSocketDisconnect(code, (message or {}).get("reason") or "")
        if self._raise:
            _raise_first(error, connection.errors)
        if error is not None:
            logger.error("Exception in the ASGI application", exc_info=error)

    async def receive_text(self) -> str:
        """The next message, which must be text."""
        message = await self.receive()
        text = message.get("text")
        if text is None:
            raise TypeError(f"expected a text message, got bytes: {message.get('bytes')!r}")
        return str(text)

    async def receive_bytes(self) -> bytes:
        """The next message, which must be binary."""
        message = await self.receive()
        data = message.get("bytes")
        if data is None:
            raise TypeError(f"expected a binary message, got text: {message.get('text')!r}")
        return bytes(data)

    async def receive_json(self) -> Any:
        """The next message (text or binary) decoded as JSON."""
        message = await self.receive()
        data = message.get("text")
        if data is None:
            data = message.get("bytes") or b""
        return orjson.loads(data)

    # -- closing --------------------------------------------------------------------------------
    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection: the application's next ``receive`` reports the disconnect.

        Waits briefly for the handler to return. With ``raise_server_exceptions``, an exception
        the handler raised before the close is raised here.
        """
        if self._client_closed or self._server_close is not None:
            self._client_closed = True
            return
        self._client_closed = True
        connection = self._connection
        errors_before = len(connection.errors)
        connection.push({"type": "websocket.disconnect", "code": code, "reason": reason})
        error = await connection.finish(left_early=True)
        if isinstance(error, ConnectionClosed):  # it sent after we left: servers raise that too
            error = None
        if self._raise:
            _raise_first(error, connection.errors[:errors_before])
        if error is not None:
            logger.error("Exception in the ASGI application", exc_info=error)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


def _raise_first(error: BaseException | None, logged: list[BaseException]) -> None:
    if error is not None:
        raise error
    if logged:
        raise logged[0]


async def _within(seconds: float | None, receive: Callable[[], Awaitable[T]]) -> T:
    try:
        async with asyncio.timeout(seconds):
            return await receive()
    except TimeoutError:
        raise TimeoutError(f"the application sent nothing within {seconds} seconds") from None


class WebSocketConnect:
    """What ``AsyncTestClient.websocket_connect`` returns: await it for a session, or use it
    as ``async with client.websocket_connect(path) as ws:`` (closed at the end of the block)."""

    def __init__(self, app: ASGIApp, scope: Scope, raise_server_exceptions: bool) -> None:
        self._args = (app, scope, raise_server_exceptions)
        self._session: AsyncWebSocketSession | None = None

    def __await__(self) -> Generator[Any, None, AsyncWebSocketSession]:
        return AsyncWebSocketSession.connect(*self._args).__await__()

    async def __aenter__(self) -> AsyncWebSocketSession:
        self._session = await AsyncWebSocketSession.connect(*self._args)
        return self._session

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()


class WebSocketSession:
    """An accepted WebSocket connection, for synchronous tests (``TestClient``).

    Every call runs on the test client's portal, the event loop the application runs on. Use it
    as a context manager (``with client.websocket_connect("/ws") as ws:``) or call ``close()``.
    """

    def __init__(self, session: AsyncWebSocketSession, portal: Portal) -> None:
        self._session = session
        self._portal = portal

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the application accepted, if any."""
        return self._session.subprotocol

    @property
    def headers(self) -> httpx.Headers:
        """Extra headers the application sent with its accept."""
        return self._session.headers

    def send(self, message: Message) -> None:
        """Send a raw ASGI ``websocket.receive`` message."""
        self._portal.call(self._session.send, message)

    def send_text(self, data: str) -> None:
        """Send a text message."""
        self._portal.call(self._session.send_text, data)

    def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        self._portal.call(self._session.send_bytes, data)

    def send_json(self, data: Any, mode: JSONMode = "text") -> None:
        """Send ``data`` as JSON, in a text (default) or binary message."""
        self._portal.call(self._session.send_json, data, mode)

    def receive(self, timeout: float | None = None) -> Message:
        """The next raw message; ``WebSocketDisconnect`` once the application closed,
        ``TimeoutError`` when nothing came within ``timeout`` seconds."""
        return self._portal.call(_within, timeout, self._session.receive)

    def receive_text(self, timeout: float | None = None) -> str:
        """The next message, which must be text."""
        return str(self._portal.call(_within, timeout, self._session.receive_text))

    def receive_bytes(self, timeout: float | None = None) -> bytes:
        """The next message, which must be binary."""
        return bytes(self._portal.call(_within, timeout, self._session.receive_bytes))

    def receive_json(self, timeout: float | None = None) -> Any:
        """The next message decoded as JSON."""
        return self._portal.call(_within, timeout, self._session.receive_json)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection and let the handler finish."""
        self._portal.call(self._session.close, code, reason)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
