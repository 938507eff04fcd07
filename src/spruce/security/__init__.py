"""The security battery: on in every ``Spruce()`` app unless ``Spruce(security=False)``.

* CSRF checks on every POST/PUT/PATCH/DELETE (``csrf_exempt`` opts a route out);
  ``get_token(request)`` and, in templates, ``{{ csrf_input() }}`` / ``{{ csrf_token }}``;
* security headers on every response (``security_headers`` changes them for a route),
  with an optional Content-Security-Policy and per-response nonces (``{{ csp_nonce }}``);
* the allowed-hosts check, the redirect to https, CORS;
* rate limits (``rate_limit("5/minute")``), 429 with ``Retry-After``;
* ``spruce check --deploy`` warnings, each with an id.

See ``docs/security.md``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .battery import Security
    from .csrf import csrf_exempt, csrf_input, get_token, rotate_token
    from .exceptions import CSRFError, RateLimitExceeded
    from .headers import csp_nonce, security_headers
    from .ratelimit import RateLimit, client_address, limiter_for, rate_limit
    from .settings import SecurityConfig

__all__ = [
    "CSRFError",
    "RateLimit",
    "RateLimitExceeded",
    "Security",
    "SecurityConfig",
    "client_address",
    "csp_nonce",
    "csrf_exempt",
    "csrf_input",
    "get_token",
    "limiter_for",
    "rate_limit",
    "rotate_token",
    "security_headers",
]

# Each name loads its module on first use: Spruce() installs this battery in every app, and an
# app that never rate-limits should not pay for importing that code.
_HOMES = {
    "CSRFError": "exceptions",
    "RateLimit": "ratelimit",
    "RateLimitExceeded": "exceptions",
    "Security": "battery",
    "SecurityConfig": "settings",
    "client_address": "ratelimit",
    "csp_nonce": "headers",
    "csrf_exempt": "csrf",
    "csrf_input": "csrf",
    "get_token": "csrf",
    "limiter_for": "ratelimit",
    "rate_limit": "ratelimit",
    "rotate_token": "csrf",
    "security_headers": "headers",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'spruce.security' has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
