"""Testing tools: ``TestClient``, ``AsyncTestClient``, WebSocket sessions and the pytest plugin.

Names load on first use, so the pytest plugin (which imports this package) costs nothing in
projects that never use the clients, and httpx is only needed when a client is created.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .async_client import AsyncTestClient
    from .client import TestClient
    from .errors import LifespanError, WebSocketDenied
    from .websocket import AsyncWebSocketSession, WebSocketSession

__all__ = [
    "AsyncTestClient",
    "AsyncWebSocketSession",
    "LifespanError",
    "TestClient",
    "WebSocketDenied",
    "WebSocketSession",
]

_HOMES = {
    "AsyncTestClient": ".async_client",
    "AsyncWebSocketSession": ".websocket",
    "LifespanError": ".errors",
    "TestClient": ".client",
    "WebSocketDenied": ".errors",
    "WebSocketSession": ".websocket",
}


def __getattr__(name: str) -> Any:
    """Import a testing tool when it is first used."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'spruce.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value
