"""``AppTransport``: an httpx transport that hands each request to an ASGI application in-process.

Bodies stream both ways: the request body reaches the application chunk by chunk as the client
produces it, and the response body reaches the client as the application sends it, so streaming
responses and server-sent events can be read piece by piece (``client.stream(...)``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx

from ..responses import Scope
from .capture import install_capture_handler
from .connection import AppConnection, ASGIApp, unexpected
from .scopes import http_scope

__all__ = ["DEFAULT_CLIENT_ADDRESS", "AppTransport", "HTTPExchange"]

logger = logging.getLogger("spruce.testing")

DEFAULT_CLIENT_ADDRESS = ("127.0.0.1", 50000)
_SERVER_ERROR_BODY = b"Internal Server Error"


class HTTPExchange:
    """One request and its response, between the test client and the application.

    ``raise_server_exceptions``: re-raise, in the test, an exception the application let escape
    or logged as unhandled, instead of answering (or showing) the 500 a server would.
    """

    def __init__(
        self,
        app: ASGIApp,
        scope: Scope,
        body: AsyncIterator[bytes],
        raise_server_exceptions: bool = False,
    ) -> None:
        self.connection = AppConnection(app, scope)
        self.raise_server_exceptions = raise_server_exceptions
        self.status_code = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self._body = body
        self._body_error: BaseException | None = None
        self._pump: asyncio.Task[None] | None = None
        self._response_done = asyncio.Event()
        self._complete = False
        self._fallback_body: bytes | None = None
        self._closed = False
        self._app_error: BaseException | None = None
        self._reported = 0

    async def start(self) -> None:
        """Run the application until it starts the response (``status_code`` and ``headers``
        are set then)."""
        self.connection.start()
        self._pump = asyncio.create_task(self._send_request_body())
        message = await self.connection.pull()
        if self._body_error is not None:
            await self.close()
            raise self._body_error
        if message is None or message["type"] != "http.response.start":
            error = await self.close()
            if message is not None:
                raise unexpected("'http.response.start'", message)
            self._answer_server_error(
                error or RuntimeError("the application returned without sending a response")
            )
            return
        self.status_code = int(message["status"])
        self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]
        if self.raise_server_exceptions and self.connection.errors:
            await self.close()
            self._raise_captured()

    async def _send_request_body(self) -> None:
        connection = self.connection
        try:
            held: bytes | None = None
            async for chunk in self._body:
                if not chunk:
                    continue
                if held is not None:
                    connection.push({"type": "http.request", "body": held, "more_body": True})
                held = bytes(chunk)
            connection.push({"type": "http.request", "body": held or b"", "more_body": False})
        except Exception as exc:  # the test's own body iterator failed
            self._body_error = exc
        else:
            await self._response_done.wait()
        connection.push({"type": "http.disconnect"})

    async def iter_body(self) -> AsyncIterator[bytes]:
        """The response body as the application sends it."""
        if self._fallback_body is not None:
            body, self._fallback_body = self._fallback_body, b""
            if body:
                yield body
            return
        while not self._complete:
            message = await self.connection.pull()
            if message is None:
                error = await self.close()
                self._reported += 1
                if error is not None and self.raise_server_exceptions:
                    raise error
                if error is not None:
                    logger.error("Exception in the ASGI application", exc_info=error)
                raise httpx.RemoteProtocolError(
                    "the application stopped before finishing the response body"
                ) from error
            if message["type"] != "http.response.body":
                raise unexpected("'http.response.body'", message)
            if not message.get("more_body", False):
                self._complete = True
                self._response_done.set()
            chunk = message.get("body", b"")
            if chunk:
                yield bytes(chunk)

    async def close(self) -> BaseException | None:
        """The client is done with the response: tell the application (``http.disconnect``),
        let it finish, and return the exception it raised, if any."""
        if self._closed:
            return self._app_error
        self._closed = True
        self._response_done.set()
        self._app_error = await self.connection.finish(left_early=not self._complete)
        if self._pump is not None:
            self._pump.cancel()
            await asyncio.gather(self._pump, return_exceptions=True)
        return self._app_error

    async def close_and_report(self) -> None:
        """``close()``, then surface what went wrong that was not reported yet: raised with
        ``raise_server_exceptions``, logged (as a server would) otherwise."""
        error = await self.close()
        if self._reported:
            return
        self._reported += 1
        if self.raise_server_exceptions:
            if error is not None:
                raise error
            self._raise_captured()
        elif error is not None:
            logger.error("Exception in the ASGI application", exc_info=error)

    def _answer_server_error(self, error: BaseException) -> None:
        """What a server does when the application fails before responding: a bare 500."""
        self._reported += 1
        if self.raise_server_exceptions:
            raise error
        logger.error("Exception in the ASGI application", exc_info=error)
        self.status_code = 500
        self.headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(_SERVER_ERROR_BODY)).encode()),
        ]
        self._fallback_body = _SERVER_ERROR_BODY

    def _raise_captured(self) -> None:
        if self.connection.errors:
            self._reported += 1
            raise self.connection.errors[0]


class _ResponseBody(httpx.AsyncByteStream):
    """The response body httpx reads: chunks from the exchange; closing ends the exchange."""

    def __init__(self, exchange: HTTPExchange) -> None:
        self._exchange = exchange

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._exchange.iter_body():
            yield chunk

    async def aclose(self) -> None:
        await self._exchange.close_and_report()


async def _request_chunks(stream: Any) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield chunk


class AppTransport(httpx.AsyncBaseTransport):
    """Serve httpx requests with the ASGI ``app`` on the running event loop.

    ``client_address`` is the peer the application sees; ``state`` the lifespan state whose
    shallow copy every request scope gets.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        raise_server_exceptions: bool = False,
        client_address: tuple[str, int] = DEFAULT_CLIENT_ADDRESS,
        state: dict[str, Any] | None = None,
    ) -> None:
        self.app = app
        self.raise_server_exceptions = raise_server_exceptions
        self.client_address = client_address
        self.state: dict[str, Any] = state if state is not None else {}
        if raise_server_exceptions:
            install_capture_handler()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Run the application for ``request``; the response body streams from it."""
        return await self.exchange(request, _request_chunks(request.stream))

    async def exchange(self, request: httpx.Request, body: AsyncIterator[bytes]) -> httpx.Response:
        """Like ``handle_async_request`` with the request body given as ``body`` chunks."""
        scope = http_scope(request, self.client_address, self.state)
        exchange = HTTPExchange(self.app, scope, body, self.raise_server_exceptions)
        await exchange.start()
        return httpx.Response(
            exchange.status_code,
            headers=exchange.headers,
            stream=_ResponseBody(exchange),
            extensions={"http_version": b"HTTP/1.1"},
        )
