"""What can go wrong with sessions, each with a message that says what to do."""

from __future__ import annotations

from ..exceptions import HTTPException, ImproperlyConfigured, SpruceError

__all__ = ["SessionNotLoaded", "SessionStoreUnavailable", "SessionTooLarge", "SessionsNotEnabled"]

RETRY_AFTER_SECONDS = 5
UNAVAILABLE_DETAIL = "Sessions are unavailable; please try again shortly."


class SessionsNotEnabled(ImproperlyConfigured):
    """``request.session`` was used in an app without the sessions battery."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "sessions are not enabled: install them with Spruce(batteries=[Sessions()]) or "
            "app.install(Sessions()) (from spruce.sessions import Sessions)"
        )


class SessionNotLoaded(SpruceError):
    """``request.session`` was read before an asynchronous store loaded it (``preload=False``)."""

    def __init__(self) -> None:
        super().__init__(
            "the session is kept in an asynchronous store and was not loaded yet (the Sessions "
            "battery has preload=False): declare a `session: Session` parameter on the handler, "
            "or call `await load_session(request)` before using request.session"
        )


class SessionTooLarge(SpruceError):
    """The session does not fit in a cookie; raised when the response is sent."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"the session cookie would be {size} bytes, over the {limit} bytes browsers keep, so "
            "it would be silently dropped: store less in the session (ids rather than objects), "
            "or keep sessions on the server with Sessions(store=RedisSessionStore(...))"
        )


class SessionStoreUnavailable(HTTPException):
    """503: the session store cannot be reached (connection refused or lost, timed out).

    Stores raise it from their service's own errors (``RedisSessionStore`` does). The client sees
    a short message and ``Retry-After``; ``reason`` (for the log) says what went wrong, and the
    service's error is the ``__cause__``.
    """

    status_code = 503

    def __init__(self, reason: str = "the session store cannot be reached") -> None:
        super().__init__(None, UNAVAILABLE_DETAIL, {"Retry-After": str(RETRY_AFTER_SECONDS)})
        self.reason = reason
