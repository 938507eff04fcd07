"""Errors raised by the security battery.

::

    Forbidden (403)
    └── CSRFError            an unsafe request failed the CSRF check; ``reason`` says which part
    TooManyRequests (429)
    └── RateLimitExceeded    a rate limit was hit; ``Retry-After`` says when to come back

Both are ``HTTPException`` subclasses: an app answers them its own way with
``@app.errorhandler(CSRFError)`` (or ``errorhandler(403)``, which wins).
"""

from __future__ import annotations

from typing import Final

from ..exceptions import Forbidden, TooManyRequests

__all__ = ["CSRF_REASONS", "CSRFError", "RateLimitExceeded"]

NO_SECRET: Final = "no-secret"
MISSING_TOKEN: Final = "missing-token"
BAD_TOKEN: Final = "bad-token"
BAD_ORIGIN: Final = "bad-origin"

CSRF_REASONS: Final[dict[str, str]] = {
    NO_SECRET: (
        "The request carries cookies but no CSRF secret was issued for this browser (the form "
        "is older than the session, or cookies were cleared). Reload the page and try again."
    ),
    MISSING_TOKEN: (
        "The CSRF token is missing: forms need the hidden csrf_token field and scripts the "
        "X-CSRF-Token header."
    ),
    BAD_TOKEN: (
        "The CSRF token is not valid for this session (it was altered, or issued to another "
        "session). Reload the page and try again."
    ),
    BAD_ORIGIN: (
        "The request comes from another site (its Origin, Referer or Sec-Fetch-Site header names a "
        "site this application does not trust)."
    ),
}
"""Why a CSRF check fails, in words a user can act on (no secrets, no token values)."""


class CSRFError(Forbidden):
    """403: an unsafe request (POST, PUT, PATCH, DELETE) failed the CSRF check.

    ``reason`` is one of ``"no-secret"``, ``"missing-token"``, ``"bad-token"``, ``"bad-origin"``;
    ``detail`` explains it. The JSON body is ``{"detail": ..., "reason": ...}``.
    """

    def __init__(self, reason: str, detail: str | None = None) -> None:
        self.reason = reason
        super().__init__(detail or CSRF_REASONS.get(reason, "CSRF check failed."))

    def body(self) -> dict[str, str]:
        return {"detail": str(self.detail), "reason": self.reason}


class RateLimitExceeded(TooManyRequests):
    """429: too many requests for a rate-limited route; ``retry_after`` is in seconds."""

    def __init__(self, limit: str, retry_after: int) -> None:
        self.limit = limit
        self.retry_after = retry_after
        super().__init__(
            f"Too many requests (limit: {limit}). Try again in {retry_after} seconds.",
            {"Retry-After": str(retry_after)},
        )

    def body(self) -> dict[str, object]:
        return {"detail": str(self.detail), "retry_after": self.retry_after}
