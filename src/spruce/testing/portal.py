"""A portal: an event loop in a background thread that synchronous code calls into.

The synchronous ``TestClient`` runs the application on one portal for its whole life, so the
lifespan, every request and every WebSocket session share one event loop (objects the startup
hooks create keep working in handlers), and sync handlers, which Spruce runs in its thread pool,
never block the loop.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["Portal"]

T = TypeVar("T")


class Portal:
    """Run coroutines on a private event loop from synchronous code.

    The loop thread starts on the first ``call`` and ends with ``stop()`` (or when nothing refers
    to the portal any more); tasks still running then are cancelled. A stopped portal refuses
    further calls.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._stopped = False

    @property
    def running(self) -> bool:
        """True between the first ``call`` and ``stop()``."""
        return self._loop is not None

    def _ensure_started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._stopped:
                raise RuntimeError("the test client is closed")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=_serve, args=(loop,), name="spruce-test-portal", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
                weakref.finalize(self, _stop_loop, loop)
            return self._loop

    def call(self, func: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
        """Run ``func(*args)`` on the portal's loop and return its result (or raise its error)."""
        loop = self._ensure_started()
        if threading.current_thread() is self._thread:
            raise RuntimeError(
                "the test client was called from inside the application it is testing; "
                "use AsyncTestClient in async code"
            )
        future = asyncio.run_coroutine_threadsafe(func(*args), loop)
        try:
            return future.result()
        except BaseException:  # KeyboardInterrupt while waiting: stop the coroutine too
            future.cancel()
            raise

    def stop(self) -> None:
        """Cancel what still runs on the loop, close it and join its thread."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop, self._thread, self._stopped = None, None, True
        if loop is None or thread is None:
            return
        _stop_loop(loop)
        if thread is not threading.current_thread():
            thread.join()


def _stop_loop(loop: asyncio.AbstractEventLoop) -> None:
    if not loop.is_closed():
        try:
            loop.call_soon_threadsafe(loop.stop)
        except RuntimeError:  # closed in the meantime
            pass


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        asyncio.set_event_loop(None)
        loop.close()
