"""The outermost middleware: whatever escapes the stack becomes a logged, bare 500."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..errors import http_error_response
from ..exceptions import HTTPException
from ..responses import Message, Receive, Scope, Send

__all__ = ["ServerErrorMiddleware"]

logger = logging.getLogger("spruce.error")

ASGIApp = Callable[[Scope, Receive, Send], Any]


class ServerErrorMiddleware:
    """Catch exceptions raised by middleware (handlers' own errors are answered earlier).

    If the response has not started, answer 500 (a traceback in debug mode, through
    ``debug_response``); either way, log the error with its traceback.
    """

    def __init__(
        self,
        app: ASGIApp,
        debug: bool = False,
        debug_response: Callable[[Scope, BaseException], Any] | None = None,
    ) -> None:
        self.app = app
        self.debug = debug
        self.debug_response = debug_response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            logger.error("Unhandled exception in the middleware stack", exc_info=exc)
            if started:
                raise
            if self.debug and self.debug_response is not None:
                response = self.debug_response(scope, exc)
            else:
                accept = ""
                for name, value in scope.get("headers", ()):
                    if name == b"accept":
                        accept = value.decode("latin-1")
                response = http_error_response(HTTPException(500), accept)
            await response(scope, receive, send)
