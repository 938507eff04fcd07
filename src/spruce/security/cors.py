"""Cross-origin resource sharing (CORS): which other sites' scripts may call this app.

Off until ``cors_origins`` lists origins. Then:

* a preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) is answered
  before routing: 204 with the allowed methods, headers and ``max-age`` when the origin, the
  method and every requested header are allowed; 403 without any ``Access-Control-*`` header
  otherwise (the browser then blocks the call);
* other responses to an allowed origin get ``Access-Control-Allow-Origin`` (the origin itself, or
  ``*`` when every origin is allowed without credentials), ``Access-Control-Allow-Credentials``
  when ``cors_credentials`` is on, and ``Access-Control-Expose-Headers``;
* every response gets ``Vary: Origin`` (unless the answer is the same ``*`` for everyone), so a
  cache never serves one origin's answer to another.

``*`` cannot be combined with credentials (``ImproperlyConfigured``). CORS relaxes the
same-origin policy for reading responses; it does not exempt anyone from the CSRF check: an
origin that posts with cookies must also be in ``csrf_trusted_origins``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .origins import OriginList

if TYPE_CHECKING:
    from .settings import SecurityConfig

__all__ = ["CORSPolicy"]

RawHeaders = list[tuple[bytes, bytes]]

# Request headers a page may always send (the CORS "safelisted" ones).
SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language", "content-type"})
PREFLIGHT_VARY = (b"vary", b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers")


class CORSPolicy:
    """The CORS rules of an app, with the header values computed once."""

    __slots__ = (
        "allow_all",
        "credentials",
        "expose",
        "headers",
        "max_age",
        "methods",
        "origins",
        "preflight_fixed",
        "wildcard_answer",
    )

    def __init__(self, config: SecurityConfig) -> None:
        self.origins = OriginList(config.cors_origins)
        self.credentials = config.cors_credentials
        self.allow_all = self.origins.any
        self.wildcard_answer = self.allow_all and not self.credentials
        self.methods = frozenset(config.cors_methods)
        self.headers = frozenset(config.cors_headers) | SAFELISTED_HEADERS
        self.max_age = config.cors_max_age
        self.expose = ", ".join(config.cors_expose_headers).encode("latin-1")
        fixed: RawHeaders = [
            (b"access-control-allow-methods", ", ".join(config.cors_methods).encode("latin-1")),
            (b"access-control-max-age", str(self.max_age).encode("latin-1")),
        ]
        if config.cors_headers:
            allowed = ", ".join(config.cors_headers).encode("latin-1")
            fixed.append((b"access-control-allow-headers", allowed))
        self.preflight_fixed = fixed

    def allows(self, origin: str) -> bool:
        """True when scripts on ``origin`` may read this app's responses."""
        return origin in self.origins

    def preflight(self, origin: str, method: str, requested_headers: str) -> tuple[int, RawHeaders]:
        """The status and headers answering a preflight request."""
        requested = {h.strip().lower() for h in requested_headers.split(",") if h.strip()}
        if (
            not self.allows(origin)
            or method.upper() not in self.methods
            or not requested <= self.headers
        ):
            return 403, [PREFLIGHT_VARY]
        headers = [*self.origin_headers(origin), *self.preflight_fixed, PREFLIGHT_VARY]
        return 204, headers

    def origin_headers(self, origin: str) -> RawHeaders:
        """``Access-Control-Allow-Origin``/``-Credentials`` for an allowed ``origin``."""
        if self.wildcard_answer:
            return [(b"access-control-allow-origin", b"*")]
        headers = [(b"access-control-allow-origin", origin.encode("latin-1"))]
        if self.credentials:
            headers.append((b"access-control-allow-credentials", b"true"))
        return headers

    def response_headers(self, origin: str | None) -> RawHeaders:
        """The CORS headers of an ordinary response to a request from ``origin``."""
        headers: RawHeaders = []
        if origin is not None and self.allows(origin):
            headers.extend(self.origin_headers(origin))
            if self.expose:
                headers.append((b"access-control-expose-headers", self.expose))
        if not self.wildcard_answer:
            headers.append((b"vary", b"Origin"))
        return headers
