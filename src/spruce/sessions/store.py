"""The protocol for server-side session stores, and an in-memory store.

With a store, the session cookie holds only a random id; the values live on the server, where they
can be revoked. A store keeps opaque bytes under an id for a time: Spruce does the encoding and
checks the expiry itself, so a store is three small methods::

    class SessionStore(Protocol):
        async def read(self, session_id: str) -> bytes | None: ...
        async def write(self, session_id: str, data: bytes, ttl: int) -> None: ...
        async def delete(self, session_id: str) -> None: ...

``RedisSessionStore`` is the production one; the database battery adds another. A store may also
have an ``async close()``, called when the app shuts down. When its service cannot be reached, a
store raises ``SessionStoreUnavailable``: the request is answered with 503 and ``Retry-After``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

__all__ = ["MemorySessionStore", "SessionStore"]


@runtime_checkable
class SessionStore(Protocol):
    """Where server-side sessions live: bytes under an id, for ``ttl`` seconds."""

    async def read(self, session_id: str) -> bytes | None:
        """The bytes stored under ``session_id``, or ``None`` (unknown or expired)."""
        ...

    async def write(self, session_id: str, data: bytes, ttl: int) -> None:
        """Store ``data`` under ``session_id`` for ``ttl`` seconds (replacing what was there)."""
        ...

    async def delete(self, session_id: str) -> None:
        """Forget ``session_id`` (no error when it is unknown)."""
        ...


class MemorySessionStore:
    """Sessions in a dict of this process: for tests and single-process development only (they
    vanish on restart and are not shared between workers)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._items: dict[str, tuple[bytes, float]] = {}
        self._clock = clock

    async def read(self, session_id: str) -> bytes | None:
        """See ``SessionStore.read``."""
        item = self._items.get(session_id)
        if item is None:
            return None
        data, expires = item
        if self._clock() >= expires:
            del self._items[session_id]
            return None
        return data

    async def write(self, session_id: str, data: bytes, ttl: int) -> None:
        """See ``SessionStore.write``."""
        self._items[session_id] = (data, self._clock() + ttl)

    async def delete(self, session_id: str) -> None:
        """See ``SessionStore.delete``."""
        self._items.pop(session_id, None)

    def __len__(self) -> int:
        return len(self._items)
