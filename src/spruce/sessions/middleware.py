"""The ASGI middleware that gives each request its session, and saves it with the response.

The middleware puts a ``SessionHandle`` in ``scope["spruce.session"]``. Nothing is read until the
session is used (``request.session``, ``load_session``, a ``Session`` parameter): a request that
never touches it pays for one small object and one check when the response starts. Middleware
further in (CSRF, authentication) can use the same handle.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ..errors import http_error_response
from ..requests import HTTPConnection
from ..responses import Message, MutableHeaders, Receive, Scope, Send
from .errors import SessionsNotEnabled, SessionStoreUnavailable

if TYPE_CHECKING:
    from .manager import SessionManager
    from .session import Session

__all__ = ["SessionHandle", "SessionMiddleware", "load_session"]

logger = logging.getLogger("spruce.sessions")

SCOPE_KEY = "spruce.session"
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SessionHandle:
    """One request's session, loaded on first use.

    Each middleware makes a subclass that carries its ``manager`` as a class attribute, so a
    request's handle is created without arguments (the cheapest object Python makes)."""

    manager: SessionManager
    session: Session | None = None
    connection: HTTPConnection | None = None
    refused: bool = False  # the store failed as the response started: a 503 went out instead

    @classmethod
    def bound_to(cls, manager: SessionManager) -> type[SessionHandle]:
        """A handle class for ``manager``."""
        return type("BoundSessionHandle", (cls,), {"manager": manager})

    def get(self, connection: HTTPConnection) -> Session:
        """The session, decoded now if it is a cookie session (``request.session`` calls this)."""
        session = self.session
        if session is None:
            session = self.session = self.manager.load_now(connection)
            self.connection = connection
        return session

    async def load(self, connection: HTTPConnection) -> Session:
        """The session, loaded from the cookie or the store if not yet."""
        session = self.session
        if session is None:
            try:
                session = self.session = await self.manager.load(connection)
            except SessionStoreUnavailable as exc:
                _log_unavailable(connection.scope, exc)
                raise
            self.connection = connection
        return session


async def load_session(connection: HTTPConnection) -> Session:
    """Load the session of ``connection`` (from any store) and return it; afterwards
    ``request.session`` is that session. Handlers can also just declare a ``Session``
    parameter."""
    handle: SessionHandle | None = connection.scope.get(SCOPE_KEY)
    if handle is None:
        raise SessionsNotEnabled()
    return await handle.load(connection)


class SessionMiddleware:
    """Give every HTTP request and WebSocket a session handle; on ``http.response.start`` save
    a session the request used. WebSocket sessions can be read; changes to them are not saved
    (a WebSocket has no response to carry a cookie).

    Written for a small per-request cost: ``__call__`` and the ``send`` wrapper are plain
    functions that hand back the next awaitable instead of adding coroutine frames, and a
    session nobody touched is one attribute check when the response starts.
    """

    def __init__(self, app: ASGIApp, manager: SessionManager) -> None:
        self.app = app
        self.manager = manager
        self.preloads = manager.preloads
        self._new_handle = SessionHandle.bound_to(manager)

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        kind = scope["type"]
        if kind == "lifespan":
            return self.app(scope, receive, send)
        handle = scope[SCOPE_KEY] = self._new_handle()
        if self.preloads and _has_cookie_header(scope):
            return self._preload_then_call(handle, scope, receive, send)
        if kind != "http":
            return self.app(scope, receive, send)
        return self.app(scope, receive, self._saving(handle, send))

    async def _preload_then_call(
        self, handle: SessionHandle, scope: Scope, receive: Receive, send: Send
    ) -> None:
        try:
            await handle.load(HTTPConnection(scope))
        except SessionStoreUnavailable as exc:
            await _refuse(scope, send, exc)
            return
        if scope["type"] == "http":
            send = self._saving(handle, send)
        await self.app(scope, receive, send)

    def _saving(self, handle: SessionHandle, send: Send) -> Send:
        """``send``, saving the session (if the request used it) as the response starts. When
        the store cannot be reached, a 503 goes out instead and the rest of the app's response
        is dropped."""
        save = self._save_then_start

        def send_with_session(message: Message) -> Awaitable[None]:
            if handle.session is not None:
                if message["type"] == "http.response.start":
                    return save(handle, send, message)
                if handle.refused:
                    return _dropped()
            return send(message)

        return send_with_session

    async def _save_then_start(self, handle: SessionHandle, send: Send, message: Message) -> None:
        session = handle.session
        assert session is not None
        connection = handle.connection
        assert connection is not None
        headers = MutableHeaders(list(message.get("headers", ())))
        try:
            await self.manager.save(session, connection, headers)
        except SessionStoreUnavailable as exc:
            handle.refused = True
            _log_unavailable(connection.scope, exc)
            await _refuse(connection.scope, send, exc)
            return
        await send({**message, "headers": headers.raw})


def _log_unavailable(scope: Scope, exc: SessionStoreUnavailable) -> None:
    method = scope.get("method", "WEBSOCKET")
    logger.warning("%s %s: session store unavailable: %s", method, scope["path"], exc.reason)


async def _refuse(scope: Scope, send: Send, exc: SessionStoreUnavailable) -> None:
    """Answer 503 (JSON or HTML by ``Accept``) or, for a WebSocket, close it with 1013 (try
    again later). The reason is in the log already."""
    if scope["type"] != "http":
        await send({"type": "websocket.close", "code": 1013, "reason": ""})
        return
    accept = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"accept"), "")
    await http_error_response(exc, accept)(scope, _no_receive, send)


async def _no_receive() -> Message:  # an error page does not read the request
    raise RuntimeError("the session error page does not read the request body")


async def _dropped() -> None:
    """What ``send`` does with the app's body after a 503 went out in its place."""


def _has_cookie_header(scope: Scope) -> bool:
    return any(name == b"cookie" for name, _ in scope.get("headers", ()))
