"""Sessions: ``request.session``, a dict kept between a user's requests.

    from spruce import Spruce
    from spruce.sessions import Sessions

    app = Spruce(batteries=[Sessions()])

    @app.post("/cart")
    def add(request: Request, item: int):
        request.session.setdefault("cart", [])
        request.session["cart"] = [*request.session["cart"], item]

The default keeps the session in a cookie signed with the app's ``secret_key``;
``Sessions(RedisSessionStore(url))`` keeps it in Redis, and any ``SessionStore`` can be plugged in.
See ``docs/sessions.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .battery import Sessions
from .errors import SessionNotLoaded, SessionsNotEnabled, SessionStoreUnavailable, SessionTooLarge
from .middleware import load_session
from .session import Session
from .store import MemorySessionStore, SessionStore

if TYPE_CHECKING:
    from .redis_store import RedisSessionStore

__all__ = [
    "MemorySessionStore",
    "RedisSessionStore",
    "Session",
    "SessionNotLoaded",
    "SessionStore",
    "SessionStoreUnavailable",
    "SessionTooLarge",
    "Sessions",
    "SessionsNotEnabled",
    "load_session",
]


def __getattr__(name: str) -> Any:
    """``RedisSessionStore`` loads on first use (its module is small; redis itself loads later
    still, when the first session is read)."""
    if name == "RedisSessionStore":
        from .redis_store import RedisSessionStore

        return RedisSessionStore
    raise AttributeError(f"module 'spruce.sessions' has no attribute {name!r}")
