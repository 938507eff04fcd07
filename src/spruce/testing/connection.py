"""One ASGI connection to the application under test, run as a task on the current event loop.

The test client talks to the application through two queues: what the client ``push``-es, the
application's ``receive`` returns; what the application sends, the client ``pull``-s. The queue
towards the client is bounded, so an endless stream waits for the test to read it instead of
filling memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from ..responses import Message, Receive, Scope, Send
from .capture import CAPTURED

__all__ = ["APP_EXIT_TIMEOUT", "LISTEN_TIMEOUT", "ASGIApp", "AppConnection", "ConnectionClosed"]

ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

APP_EXIT_TIMEOUT = 5.0
"""Seconds an application gets to return (cleanup, teardown hooks) once the client is done."""

LISTEN_TIMEOUT = 0.1
"""When the client leaves early, seconds the application gets to read the disconnect. A handler
that is not listening (blocked on something else) is cancelled then, instead of holding the
test up; one that read it gets ``APP_EXIT_TIMEOUT`` to clean up."""


class ConnectionClosed(OSError):
    """Raised to an application that sends on a WebSocket the test client has closed (what
    servers do too)."""


class AppConnection:
    """The application's task for one connection, with the client's ends of its channels.

    ``errors`` collects the exceptions the application logged while serving this connection.
    ``closed_send_error``: what a send after the client closed raises (``None``: it is dropped).
    """

    def __init__(
        self,
        app: ASGIApp,
        scope: Scope,
        *,
        closed_send_error: type[Exception] | None = None,
    ) -> None:
        self.app = app
        self.scope = scope
        self.errors: list[BaseException] = []
        self.client_closed = False
        self._closed_send_error = closed_send_error
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue(maxsize=1)
        self._last_message: Message | None = None
        self._disconnect_heard = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def task(self) -> asyncio.Task[None]:
        """The application's task (after ``start``)."""
        if self._task is None:
            raise RuntimeError("the connection has not been started")
        return self._task

    def start(self) -> None:
        """Start the application; exceptions it logs from now on land in ``errors``."""
        token = CAPTURED.set(self.errors)
        try:
            self._task = asyncio.create_task(self._run())
        finally:
            CAPTURED.reset(token)

    async def _run(self) -> None:
        await self.app(self.scope, self._receive, self._send)

    # -- the application's side -----------------------------------------------------------------
    async def _receive(self) -> Message:
        if self._last_message is not None:  # after a disconnect, every receive repeats it
            self._disconnect_heard.set()
            return self._last_message
        message = await self._to_app.get()
        if message["type"].endswith(".disconnect"):
            self._last_message = message
            self._disconnect_heard.set()
        return message

    async def _send(self, message: Message) -> None:
        if self.client_closed:
            if self._closed_send_error is not None:
                raise self._closed_send_error("the test client has closed the connection")
            return
        await self._from_app.put(message)

    # -- the client's side ----------------------------------------------------------------------
    def push(self, message: Message) -> None:
        """Give ``message`` to the application (its next ``receive``)."""
        self._to_app.put_nowait(message)

    async def pull(self) -> Message | None:
        """The next message the application sent; ``None`` once it has returned (or raised) and
        every message was taken."""
        if not self._from_app.empty():
            return self._from_app.get_nowait()
        task = self.task
        if task.done():
            return None
        getter = asyncio.ensure_future(self._from_app.get())
        try:
            done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not getter.done():
                getter.cancel()
        if getter in done:
            return getter.result()
        return self._from_app.get_nowait() if not self._from_app.empty() else None

    async def finish(self, *, left_early: bool = False) -> BaseException | None:
        """Close the client's side and wait for the application to return (cancelling it when it
        takes too long, see ``LISTEN_TIMEOUT``). Returns the exception it raised, if any.

        ``left_early``: the client went away while the application may still be serving (a
        WebSocket the client closed, a response body not read to the end), after pushing the
        disconnect message.
        """
        self.client_closed = True
        task = self.task
        self._drop_pending()
        if left_early and not task.done():
            heard = asyncio.ensure_future(self._disconnect_heard.wait())
            try:
                await asyncio.wait(
                    {task, heard}, timeout=LISTEN_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                heard.cancel()
            if not self._disconnect_heard.is_set():
                task.cancel()
        if not task.done():
            done, _ = await asyncio.wait({task}, timeout=APP_EXIT_TIMEOUT)
            if not done:
                task.cancel()
        await asyncio.wait({task})
        self._drop_pending()
        if task.cancelled():
            return None
        return task.exception()

    def _drop_pending(self) -> None:
        # frees a send blocked on the full queue; sends after this see client_closed
        while not self._from_app.empty():
            self._from_app.get_nowait()


def describe(message: Message | None) -> str:
    """A message's type, for protocol error messages."""
    return "nothing" if message is None else repr(message.get("type"))


def unexpected(expected: str, message: Message | None) -> RuntimeError:
    """The error for an application that broke the ASGI protocol."""
    return RuntimeError(
        f"ASGI protocol error: expected {expected}, the application sent {describe(message)}"
    )
