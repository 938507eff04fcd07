"""The ASGI middleware that gives each request its session, and saves it with the response.

The middleware puts a ``SessionHandle`` in ``scope["spruce.session"]``. Nothing is read until the
session is used (``request.session``, ``load_session``, a ``Session`` parameter): a request that
never touches it pays for one small object and one check when the response starts. Middleware
further in (CSRF, authentication) can use the same handle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..requests import HTTPConnection
from ..responses import Message, MutableHeaders, Receive, Scope, Send
from .errors import SessionsNotEnabled

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from .manager import SessionManager
    from .session import Session

__all__ = ["SessionHandle", "SessionMiddleware", "load_session"]

SCOPE_KEY = "spruce.session"


class SessionHandle:
    """One request's session, loaded on first use."""

    __slots__ = ("connection", "manager", "session")

    def __init__(self, manager: SessionManager) -> None:
        self.manager = manager
        self.session: Session | None = None
        self.connection: HTTPConnection | None = None

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
            session = self.session = await self.manager.load(connection)
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
    (a WebSocket has no response to carry a cookie)."""

    def __init__(
        self, app: Callable[[Scope, Receive, Send], Awaitable[None]], manager: SessionManager
    ) -> None:
        self.app = app
        self.manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self.app(scope, receive, send)
            return
        manager = self.manager
        handle = SessionHandle(manager)
        scope[SCOPE_KEY] = handle
        if manager.preloads and _has_cookie_header(scope):
            await handle.load(HTTPConnection(scope))
        if kind != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                session = handle.session
                if session is not None:
                    assert handle.connection is not None
                    headers = MutableHeaders(list(message.get("headers", ())))
                    await manager.save(session, handle.connection, headers)
                    message = {**message, "headers": headers.raw}
            await send(message)

        await self.app(scope, receive, send_with_session)


def _has_cookie_header(scope: Scope) -> bool:
    return any(name == b"cookie" for name, _ in scope.get("headers", ()))
