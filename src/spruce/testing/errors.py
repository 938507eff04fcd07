"""Exceptions the testing tools raise."""

from __future__ import annotations

from ..exceptions import SpruceError
from ..websockets import WebSocketDisconnect

__all__ = ["LifespanError", "WebSocketDenied"]


class WebSocketDenied(WebSocketDisconnect):
    """The application closed the WebSocket before accepting it (a rejected handshake).

    ``code`` and ``reason`` are what the application sent with its close. It is a
    ``WebSocketDisconnect``, so ``pytest.raises(WebSocketDisconnect)`` catches it too.
    """

    def __str__(self) -> str:
        reason = f": {self.reason}" if self.reason else ""
        return f"the application rejected the WebSocket handshake (close code {self.code}{reason})"


class LifespanError(SpruceError):
    """The application reported that its startup or shutdown failed.

    Raised only when the original exception is not available (it normally is: the test client
    re-raises what the application logged).
    """
