"""What the security battery remembers about one request, in ``scope["spruce.security"]``.

Created only when something needs it (a CSRF token was asked for, a CSP nonce was used, a route
overrides headers), so an ordinary request carries nothing; the middleware reads it when the
response starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..responses import Scope
    from .headers import HeaderPolicy

__all__ = ["STATE_KEY", "RequestState", "state_of"]

STATE_KEY = "spruce.security"

RawHeaders = list[tuple[bytes, bytes]]


class RequestState:
    """Per-request security data.

    ``csrf_secret``/``csrf_token``: the secret found or made, and the masked token handed out.
    ``response_headers``: headers to add to the response (a new CSRF cookie, ``Vary: Cookie``).
    ``csp_nonce``: the nonce templates used, which the CSP header must name.
    ``headers``: the security headers this route sends instead of the app's defaults.
    """

    __slots__ = ("csp_nonce", "csrf_secret", "csrf_token", "headers", "response_headers")

    def __init__(self) -> None:
        self.csrf_secret: str | None = None
        self.csrf_token: str | None = None
        self.response_headers: RawHeaders = []
        self.csp_nonce: str | None = None
        self.headers: HeaderPolicy | None = None


def state_of(scope: Scope) -> RequestState:
    """The request's ``RequestState``, made on first use."""
    state: RequestState | None = scope.get(STATE_KEY)
    if state is None:
        state = scope[STATE_KEY] = RequestState()
    return state
