"""Spruce: a Python web framework that starts as one file and grows into everything Django ships.

    from spruce import Spruce

    app = Spruce()

    @app.get("/")
    def index():
        return "Hello, World!"

``import spruce`` loads the core only; settings (pydantic) and batteries load when used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .app import Spruce
from .exceptions import HTTPException, ImproperlyConfigured, abort
from .params import Body, Cookie, Header, Provide, Query
from .requests import Request
from .responses import (
    EventSourceResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    ServerSentEvent,
    StreamingResponse,
)
from .routing.router import Router
from .uploads import UploadFile
from .websockets import WebSocket, WebSocketDisconnect

if TYPE_CHECKING:
    from .files import FileResponse
    from .settings import Settings
    from .templating import render

__version__ = "0.1.0"

__all__ = [
    "Body",
    "Cookie",
    "EventSourceResponse",
    "FileResponse",
    "HTMLResponse",
    "HTTPException",
    "Header",
    "ImproperlyConfigured",
    "JSONResponse",
    "PlainTextResponse",
    "Provide",
    "Query",
    "RedirectResponse",
    "Request",
    "Response",
    "Router",
    "ServerSentEvent",
    "Settings",
    "Spruce",
    "StreamingResponse",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "abort",
    "render",
]

_LAZY = {"Settings": ".settings", "FileResponse": ".files", "render": ".templating"}


def __getattr__(name: str) -> Any:
    """Load heavier names (``Settings`` imports pydantic-settings) on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'spruce' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
