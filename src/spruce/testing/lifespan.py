"""Running an application's ASGI lifespan (startup and shutdown) around a test client's life."""

from __future__ import annotations

import logging
from typing import Any

from .capture import install_capture_handler
from .connection import AppConnection, ASGIApp, unexpected
from .errors import LifespanError

__all__ = ["Lifespan"]

logger = logging.getLogger("spruce.testing")


class Lifespan:
    """``await startup()`` before the first request, ``await shutdown()`` after the last.

    A failing startup or shutdown raises the application's own exception (Spruce logs it with its
    traceback; the test client catches that record), or ``LifespanError`` with the message the
    application reported. ``state`` is the ASGI lifespan state shared with request scopes.
    An application that does not speak the lifespan protocol (it raises or returns at once) is
    served without one, as servers do.
    """

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self.app = app
        self.state = state
        self._connection: AppConnection | None = None

    async def startup(self) -> None:
        """Send ``lifespan.startup`` and wait for the application to finish starting."""
        install_capture_handler()
        scope = {
            "type": "lifespan",
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "state": self.state,
        }
        connection = AppConnection(self.app, scope)
        connection.start()
        connection.push({"type": "lifespan.startup"})
        message = await connection.pull()
        if message is None:  # no lifespan support
            error = await connection.finish()
            if error is not None:
                logger.debug("the application does not support the lifespan protocol: %r", error)
            return
        if message["type"] == "lifespan.startup.complete":
            self._connection = connection
            return
        await connection.finish()
        if message["type"] == "lifespan.startup.failed":
            raise _failure(connection, "startup", message.get("message", ""))
        raise unexpected("'lifespan.startup.complete'", message)

    async def shutdown(self) -> None:
        """Send ``lifespan.shutdown`` and wait for the application to finish stopping."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        connection.push({"type": "lifespan.shutdown"})
        message = await connection.pull()
        error = await connection.finish()
        if message is None:
            if error is not None:
                raise error
            raise unexpected("'lifespan.shutdown.complete'", message)
        if message["type"] == "lifespan.shutdown.failed":
            raise _failure(connection, "shutdown", message.get("message", ""))
        if message["type"] != "lifespan.shutdown.complete":
            raise unexpected("'lifespan.shutdown.complete'", message)


def _failure(connection: AppConnection, phase: str, message: str) -> BaseException:
    if connection.errors:
        return connection.errors[-1]
    return LifespanError(f"the application's {phase} failed: {message or 'no reason given'}")
