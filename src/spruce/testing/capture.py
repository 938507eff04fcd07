"""Catching the exceptions an application logs while it serves a test request.

Spruce answers an unhandled handler exception with a 500 and logs it with its traceback. A test
client created with ``raise_server_exceptions=True`` wants that exception itself. Each connection
the client opens sets a context variable to a fresh list before it starts the application's task;
the task (and the thread-pool calls it makes, which copy the context) logs into the ``spruce``
logger, where one handler appends the exception to the list of the connection that logged it.
"""

from __future__ import annotations

import contextvars
import logging

__all__ = ["CAPTURED", "install_capture_handler"]

CAPTURED: contextvars.ContextVar[list[BaseException] | None] = contextvars.ContextVar(
    "spruce_testing_captured", default=None
)

_OWN_LOGGER = "spruce.testing"


class _CaptureHandler(logging.Handler):
    """Append the exception of an error record to the current connection's list.

    Being a handler, it would keep Python's last-resort handler (which prints to stderr when
    logging is not configured) from seeing Spruce's records; it calls it itself in that case, so
    tracebacks still show in a plain script.
    """

    def emit(self, record: logging.LogRecord) -> None:
        captured = CAPTURED.get()
        if (
            captured is not None
            and not record.name.startswith(_OWN_LOGGER)
            and record.exc_info
            and isinstance(record.exc_info[1], BaseException)
        ):
            captured.append(record.exc_info[1])
        last_resort = logging.lastResort
        if (
            last_resort is not None
            and record.levelno >= last_resort.level
            and not self._others_handle(record.name)
        ):
            last_resort.handle(record)

    def _others_handle(self, name: str) -> bool:
        logger: logging.Logger | None = logging.getLogger(name)
        while logger is not None:
            if any(handler is not self for handler in logger.handlers):
                return True
            if not logger.propagate:
                return False
            logger = logger.parent
        return False


_handler: _CaptureHandler | None = None


def install_capture_handler() -> None:
    """Attach the capturing handler to the ``spruce`` logger (once per process)."""
    global _handler
    if _handler is None:
        _handler = _CaptureHandler(logging.ERROR)
        logging.getLogger("spruce").addHandler(_handler)
