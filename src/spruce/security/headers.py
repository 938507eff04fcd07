"""Security headers added to every response, decided once at startup.

By default: ``X-Frame-Options: DENY`` and ``Content-Security-Policy: frame-ancestors 'none'``
(no framing: clickjacking), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``,
``Cross-Origin-Opener-Policy: same-origin``; ``Strict-Transport-Security`` once https is declared.
A configured ``content_security_policy`` replaces the frame-ancestors-only one (frame-ancestors
is added to it unless it names its own); ``{nonce}`` in it becomes a fresh nonce per response,
the one templates get from ``csp_nonce()``.

A header the handler set itself is left alone. A route changes the set with
``@security_headers(frame_options="SAMEORIGIN")`` or the route option
``security_headers={"content_security_policy": "..."}``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ..exceptions import ImproperlyConfigured
from .state import state_of

if TYPE_CHECKING:
    from ..requests import HTTPConnection
    from ..routing.routes import Route
    from .settings import SecurityConfig

__all__ = ["HeaderPolicy", "csp_nonce", "route_header_changes", "security_headers"]

F = TypeVar("F", bound=Callable[..., Any])
RawHeaders = list[tuple[bytes, bytes]]
OVERRIDE_ATTRIBUTE = "__spruce_security_headers__"
NONCE_PLACEHOLDER = "{nonce}"

# What a route may change (the header settings of ``SecurityConfig``).
HEADER_SETTINGS = frozenset(
    {
        "frame_options",
        "content_type_nosniff",
        "referrer_policy",
        "cross_origin_opener_policy",
        "content_security_policy",
        "csp_report_only",
        "hsts_seconds",
        "hsts_include_subdomains",
        "hsts_preload",
    }
)


class HeaderPolicy:
    """The security headers of an app (or of one route that changes them)."""

    __slots__ = ("csp_name", "csp_template", "fixed", "names")

    def __init__(self, config: SecurityConfig) -> None:
        fixed: RawHeaders = []
        frame = config.frame_options
        if frame is not None:
            fixed.append((b"x-frame-options", frame.encode("latin-1")))
        if config.content_type_nosniff:
            fixed.append((b"x-content-type-options", b"nosniff"))
        if config.referrer_policy:
            fixed.append((b"referrer-policy", config.referrer_policy.encode("latin-1")))
        if config.cross_origin_opener_policy:
            value = config.cross_origin_opener_policy.encode("latin-1")
            fixed.append((b"cross-origin-opener-policy", value))
        if config.hsts_max_age:
            hsts = f"max-age={config.hsts_max_age}"
            if config.hsts_include_subdomains:
                hsts += "; includeSubDomains"
            if config.hsts_preload:
                hsts += "; preload"
            fixed.append((b"strict-transport-security", hsts.encode("latin-1")))
        ancestors = {"DENY": "frame-ancestors 'none'", "SAMEORIGIN": "frame-ancestors 'self'"}
        frame_policy = ancestors.get(frame or "")
        policy = config.content_security_policy
        self.csp_name = (
            b"content-security-policy-report-only"
            if config.csp_report_only
            else b"content-security-policy"
        )
        if policy and frame_policy and "frame-ancestors" not in policy:
            if config.csp_report_only:  # report-only policies do not stop framing
                fixed.append((b"content-security-policy", frame_policy.encode("latin-1")))
            else:
                policy = f"{policy.rstrip().rstrip(';')}; {frame_policy}"
        elif not policy and frame_policy:
            fixed.append((b"content-security-policy", frame_policy.encode("latin-1")))
        self.csp_template: str | None = None
        if policy:
            _check_header_text(policy, "content_security_policy")
            if NONCE_PLACEHOLDER in policy:
                self.csp_template = policy
            else:
                fixed.append((self.csp_name, policy.encode("latin-1")))
        self.fixed = fixed
        names = {name for name, _ in fixed}
        if self.csp_template is not None:
            names.add(self.csp_name)
        self.names = frozenset(names)

    def headers(self, nonce: str | None) -> RawHeaders:
        """The headers for one response (``nonce``: the one its page used, if any)."""
        template = self.csp_template
        if template is None:
            return self.fixed
        value = template.replace(NONCE_PLACEHOLDER, nonce or new_nonce())
        return [*self.fixed, (self.csp_name, value.encode("latin-1"))]


def _check_header_text(value: str, setting: str) -> None:
    if any(c in value for c in "\r\n\0"):
        raise ImproperlyConfigured(f"{setting} may not contain line breaks")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ImproperlyConfigured(f"{setting} must be plain ASCII text") from None


def new_nonce() -> str:
    """A fresh CSP nonce (128 random bits)."""
    return secrets.token_urlsafe(16)


def csp_nonce(request: HTTPConnection) -> str:
    """This response's CSP nonce, for ``<script nonce="...">`` (the same within one response).

    It takes effect when the ``content_security_policy`` setting names it:
    ``"script-src 'self' 'nonce-{nonce}'"``."""
    state = state_of(request.scope)
    if state.csp_nonce is None:
        state.csp_nonce = new_nonce()
    return state.csp_nonce


def security_headers(**changes: Any) -> Callable[[F], F]:
    """Decorator: this route's security headers differ from the app's::

        @app.get("/embed")
        @security_headers(frame_options="SAMEORIGIN")
        def embeddable(): ...

    Takes the header settings (``frame_options``, ``content_security_policy``,
    ``referrer_policy``, ``cross_origin_opener_policy``, ``content_type_nosniff``,
    ``csp_report_only``, ``hsts_*``); ``None``/``False`` turns a header off for this route."""
    _check_changes(changes, "security_headers()")

    def mark(endpoint: F) -> F:
        setattr(endpoint, OVERRIDE_ATTRIBUTE, dict(changes))
        return endpoint

    return mark


def _check_changes(changes: Mapping[str, Any], where: str) -> None:
    unknown = sorted(set(changes) - HEADER_SETTINGS)
    if unknown:
        raise ImproperlyConfigured(
            f"{where}: unknown header settings {unknown}; use {sorted(HEADER_SETTINGS)}"
        )


def route_header_changes(route: Route) -> dict[str, Any] | None:
    """The header settings ``route`` changes (route option first, then the decorator)."""
    changes: dict[str, Any] = {}
    changes.update(getattr(route.endpoint, OVERRIDE_ATTRIBUTE, None) or {})
    option = route.options.get("security_headers")
    if option is not None:
        if not isinstance(option, Mapping):
            raise ImproperlyConfigured(
                f"route {route.full_path}: security_headers= takes a dict of header settings"
            )
        _check_changes(option, f"route {route.full_path}")
        changes.update(option)
    if not changes:
        return None
    # None turns a header off (in SecurityConfig None would mean "the default")
    return {name: _OFF[name] if value is None else value for name, value in changes.items()}


_OFF: dict[str, Any] = {
    "frame_options": "",
    "content_type_nosniff": False,
    "referrer_policy": "",
    "cross_origin_opener_policy": "",
    "content_security_policy": "",
    "csp_report_only": False,
    "hsts_seconds": 0,
    "hsts_include_subdomains": False,
    "hsts_preload": False,
}
