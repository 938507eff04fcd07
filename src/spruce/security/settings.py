"""The security battery's settings: ``Security(...)`` arguments, else ``SPRUCE_*`` variables.

| variable (``SPRUCE_`` + ...) | default | meaning |
|---|---|---|
| ``CSRF`` | ``true`` | check every POST/PUT/PATCH/DELETE for a CSRF token and a trusted origin |
| ``CSRF_TRUSTED_ORIGINS`` | ``[]`` | other origins allowed to post here: ``["https://*.example.com"]`` |
| ``HTTPS`` | ``false`` | the site is served over https: HSTS, redirect to https, Secure cookies |
| ``HTTPS_REDIRECT`` | = ``HTTPS`` | answer plain-http requests with a redirect to https |
| ``HSTS_SECONDS`` | 31536000 with ``HTTPS``, else 0 | ``Strict-Transport-Security: max-age`` |
| ``HSTS_INCLUDE_SUBDOMAINS`` / ``HSTS_PRELOAD`` | ``false`` | the HSTS flags (think before setting) |
| ``FRAME_OPTIONS`` | ``DENY`` | ``X-Frame-Options`` and CSP ``frame-ancestors``; ``SAMEORIGIN`` or ``off`` |
| ``CONTENT_TYPE_NOSNIFF`` | ``true`` | ``X-Content-Type-Options: nosniff`` |
| ``REFERRER_POLICY`` | ``same-origin`` | ``Referrer-Policy`` (``off`` or ``""``: not sent) |
| ``CROSS_ORIGIN_OPENER_POLICY`` | ``same-origin`` | ``Cross-Origin-Opener-Policy`` (``off``: not sent) |
| ``CONTENT_SECURITY_POLICY`` | none | a CSP; ``{nonce}`` in it becomes a fresh nonce per response |
| ``CSP_REPORT_ONLY`` | ``false`` | send the CSP as ``Content-Security-Policy-Report-Only`` |
| ``CORS_ORIGINS`` | ``[]`` | origins whose scripts may read responses (CORS is off when empty) |
| ``CORS_METHODS`` / ``CORS_HEADERS`` / ``CORS_EXPOSE_HEADERS`` | see ``SecurityConfig`` | CORS lists |
| ``CORS_CREDENTIALS`` | ``false`` | let those origins send cookies (never with ``*``) |
| ``CORS_MAX_AGE`` | 600 | seconds browsers may cache a preflight answer |
| ``RATE_LIMIT_STORAGE`` | ``memory://`` | where rate-limit counters live: ``redis://host:6379/0`` |
| ``RATE_LIMIT_STRATEGY`` | ``moving-window`` | or ``fixed-window``, ``sliding-window-counter`` |
| ``RATE_LIMIT_KEY_PREFIX`` | ``spruce`` | prefix of the counters' keys in Redis |
| ``RATE_LIMIT_FAIL_OPEN`` | ``false`` | when the storage is down: ``false`` answers 503, ``true`` lets requests in |

Allowed hosts and trusted proxies are core settings (``SPRUCE_ALLOWED_HOSTS``,
``SPRUCE_TRUSTED_PROXIES``). The environment is read only when a ``SPRUCE_*`` variable or a
``.env`` file exists, so a hello world never imports pydantic for this.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..battery_settings import load_values
from ..config import environment_configures_spruce
from ..exceptions import ImproperlyConfigured

__all__ = [
    "DEFAULT_CORS_HEADERS",
    "DEFAULT_CORS_METHODS",
    "HSTS_DEFAULT_SECONDS",
    "SecurityConfig",
    "load_config",
]

HSTS_DEFAULT_SECONDS = 365 * 24 * 60 * 60
DEFAULT_CORS_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
DEFAULT_CORS_HEADERS = ("authorization", "content-type", "x-csrf-token")

_REFERRER_POLICIES = frozenset(
    {
        "no-referrer",
        "no-referrer-when-downgrade",
        "origin",
        "origin-when-cross-origin",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "unsafe-url",
    }
)
_OPENER_POLICIES = frozenset(
    {"same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"}
)
_FRAME_OPTIONS = frozenset({"DENY", "SAMEORIGIN"})
_STRATEGIES = frozenset({"moving-window", "fixed-window", "sliding-window-counter"})


@dataclass(frozen=True, slots=True)
class SecurityConfig:
    """The resolved security settings (see the module docstring for each one)."""

    csrf: bool = True
    csrf_trusted_origins: tuple[str, ...] = ()
    csrf_cookie_name: str = "csrftoken"
    csrf_header_name: str = "X-CSRF-Token"
    csrf_field_name: str = "csrf_token"
    https: bool = False
    https_redirect: bool | None = None
    hsts_seconds: int | None = None
    hsts_include_subdomains: bool = False
    hsts_preload: bool = False
    frame_options: str | None = "DENY"
    content_type_nosniff: bool = True
    referrer_policy: str | None = "same-origin"
    cross_origin_opener_policy: str | None = "same-origin"
    content_security_policy: str | None = None
    csp_report_only: bool = False
    cors_origins: tuple[str, ...] = ()
    cors_methods: tuple[str, ...] = DEFAULT_CORS_METHODS
    cors_headers: tuple[str, ...] = DEFAULT_CORS_HEADERS
    cors_expose_headers: tuple[str, ...] = ()
    cors_credentials: bool = False
    cors_max_age: int = 600
    rate_limit_storage: str = "memory://"
    rate_limit_strategy: str = "moving-window"
    rate_limit_key_prefix: str = "spruce"
    rate_limit_fail_open: bool = False

    @property
    def redirects_to_https(self) -> bool:
        """True when plain-http requests are redirected to https."""
        return self.https if self.https_redirect is None else self.https_redirect

    @property
    def hsts_max_age(self) -> int:
        """The HSTS ``max-age`` to send (0: no header)."""
        if self.hsts_seconds is not None:
            return self.hsts_seconds
        return HSTS_DEFAULT_SECONDS if self.https else 0

    def replace(self, **changes: Any) -> SecurityConfig:
        """A copy with some values changed (and checked)."""
        return validated(replace(self, **changes))


def load_config(arguments: dict[str, Any]) -> SecurityConfig:
    """The settings: ``arguments`` that are not None win over ``SPRUCE_*`` variables, which win
    over the defaults. Raise ``ImproperlyConfigured`` for values that cannot work."""
    values = load_values(
        SecurityConfig,
        arguments,
        owner="Security()",
        env_prefix="SPRUCE_",
        environment=environment_configures_spruce(),
    )
    for name, value in values.items():
        if isinstance(value, (list, set, frozenset)):
            values[name] = tuple(value)
        elif isinstance(value, str) and name in _SEQUENCE_FIELDS:
            values[name] = tuple(item.strip() for item in value.split(",") if item.strip())
    return validated(SecurityConfig(**values))


_SEQUENCE_FIELDS = frozenset(
    {
        "csrf_trusted_origins",
        "cors_origins",
        "cors_methods",
        "cors_headers",
        "cors_expose_headers",
    }
)


def validated(config: SecurityConfig) -> SecurityConfig:
    """``config`` with its values normalised, or ``ImproperlyConfigured`` saying what to fix."""
    frame = _unless_off(config.frame_options)
    frame = frame.upper() if frame is not None else None
    if frame is not None and frame not in _FRAME_OPTIONS:
        raise ImproperlyConfigured(
            f"frame_options={config.frame_options!r}: use 'DENY', 'SAMEORIGIN' or None"
        )
    referrer = _unless_off(config.referrer_policy)
    if referrer is not None:
        bad = [p for p in referrer.split(",") if p.strip().lower() not in _REFERRER_POLICIES]
        if bad:
            raise ImproperlyConfigured(
                f"referrer_policy={referrer!r} is not a Referrer-Policy value; use one of "
                + ", ".join(sorted(_REFERRER_POLICIES))
            )
    opener = _unless_off(config.cross_origin_opener_policy)
    if opener is not None and opener not in _OPENER_POLICIES:
        raise ImproperlyConfigured(
            f"cross_origin_opener_policy={opener!r}: use one of {', '.join(sorted(_OPENER_POLICIES))}"
        )
    if config.rate_limit_strategy not in _STRATEGIES:
        raise ImproperlyConfigured(
            f"rate_limit_strategy={config.rate_limit_strategy!r}: use one of "
            + ", ".join(sorted(_STRATEGIES))
        )
    if config.hsts_seconds is not None and config.hsts_seconds < 0:
        raise ImproperlyConfigured("hsts_seconds must be 0 (no HSTS) or a positive number")
    if config.cors_max_age < 0:
        raise ImproperlyConfigured("cors_max_age must be a number of seconds, 0 or more")
    for origin in config.csrf_trusted_origins:
        _check_origin_pattern(origin, "csrf_trusted_origins", allow_any=False)
    for origin in config.cors_origins:
        _check_origin_pattern(origin, "cors_origins", allow_any=True)
    if "*" in config.cors_origins and config.cors_credentials:
        raise ImproperlyConfigured(
            "cors_origins=['*'] with cors_credentials=True would let every web site act as the "
            "signed-in user; list the origins that may send credentials instead"
        )
    return replace(
        config,
        frame_options=frame,
        referrer_policy=referrer,
        cross_origin_opener_policy=opener,
        content_security_policy=_unless_off(config.content_security_policy),
        cors_methods=tuple(m.upper() for m in config.cors_methods),
        cors_headers=tuple(h.lower() for h in config.cors_headers),
    )


_OFF_WORDS = frozenset({"", "false", "off", "none", "no", "0"})


def _unless_off(value: object) -> str | None:
    """A header setting's value, or None when it says "off": None, False, or one of the words
    ``""``, ``false``, ``off``, ``none``, ``no``, ``0`` (any case), as an environment variable
    can only say it."""
    if value is None or value is False:
        return None
    text = str(value).strip()
    return None if text.lower() in _OFF_WORDS else text


def _check_origin_pattern(origin: str, setting: str, *, allow_any: bool) -> None:
    if allow_any and origin == "*":
        return
    scheme, sep, rest = origin.partition("://")
    host = rest[2:] if rest.startswith("*.") else rest
    if not sep or scheme not in ("http", "https") or not host or "/" in host or "*" in host:
        raise ImproperlyConfigured(
            f"{setting}: {origin!r} is not an origin; write the scheme and host, e.g. "
            "'https://example.com' or 'https://*.example.com' for its subdomains"
        )
