"""WebSocket connections: accept, receive and send text, bytes or JSON, close."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import orjson

from .exceptions import SpruceError
from .requests import HTTPConnection
from .responses import json_dumps

if TYPE_CHECKING:
    from .app import Spruce
    from .responses import Receive, Scope, Send

__all__ = ["WebSocket", "WebSocketDisconnect", "WebSocketState"]


class WebSocketDisconnect(SpruceError):
    """The peer closed the connection (``code`` is the close code it sent)."""

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


class WebSocketState:
    """Connection states."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    CLOSED = "closed"


class WebSocket(HTTPConnection):
    """A WebSocket connection, passed to a handler declared with ``@app.websocket(path)``."""

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        app: Spruce | None = None,
        path_params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(scope, receive, app, path_params)
        self._send = send
        self.state_name = WebSocketState.CONNECTING

    async def accept(
        self, subprotocol: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        """Complete the handshake (reading the client's connect message first)."""
        if self.state_name != WebSocketState.CONNECTING:
            raise RuntimeError("the WebSocket is already accepted or closed")
        message = await self._receive()
        if message["type"] != "websocket.connect":
            raise RuntimeError(f"expected websocket.connect, got {message['type']}")
        raw = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()
        ]
        await self._send({"type": "websocket.accept", "subprotocol": subprotocol, "headers": raw})
        self.state_name = WebSocketState.CONNECTED

    async def receive(self) -> dict[str, Any]:
        """The next raw ASGI message; raises ``WebSocketDisconnect`` when the peer closed."""
        if self.state_name != WebSocketState.CONNECTED:
            raise RuntimeError("call accept() before receiving")
        message = await self._receive()
        if message["type"] == "websocket.disconnect":
            self.state_name = WebSocketState.CLOSED
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason") or "")
        return dict(message)

    async def receive_text(self) -> str:
        """The next text message."""
        message = await self.receive()
        text = message.get("text")
        if text is None:
            raise TypeError("expected a text message, got bytes")
        return str(text)

    async def receive_bytes(self) -> bytes:
        """The next binary message."""
        message = await self.receive()
        data = message.get("bytes")
        if data is None:
            raise TypeError("expected a binary message, got text")
        return bytes(data)

    async def receive_json(self) -> Any:
        """The next message (text or binary) decoded as JSON."""
        message = await self.receive()
        data = message.get("text")
        if data is None:
            data = message.get("bytes", b"")
        return orjson.loads(data)

    async def iter_text(self) -> AsyncIterator[str]:
        """Text messages until the peer disconnects."""
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            return

    async def iter_json(self) -> AsyncIterator[Any]:
        """JSON messages until the peer disconnects."""
        try:
            while True:
                yield await self.receive_json()
        except WebSocketDisconnect:
            return

    async def send_text(self, data: str) -> None:
        """Send a text message."""
        await self._send({"type": "websocket.send", "text": data})

    async def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        await self._send({"type": "websocket.send", "bytes": data})

    async def send_json(self, data: Any, binary: bool = False) -> None:
        """Send ``data`` as JSON, in a text (default) or binary message."""
        encoded = json_dumps(data)
        if binary:
            await self.send_bytes(encoded)
        else:
            await self.send_text(encoded.decode())

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection (before ``accept()`` this rejects the handshake with 403)."""
        if self.state_name == WebSocketState.CLOSED:
            return
        self.state_name = WebSocketState.CLOSED
        await self._send({"type": "websocket.close", "code": code, "reason": reason})

    def __repr__(self) -> str:
        return f"<WebSocket {self.path}>"
