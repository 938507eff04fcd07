"""The security battery's deploy checks (``spruce check --deploy``).

Each problem starts with its id, then says what is wrong and how to fix it. The core reports
``security.W001`` (debug mode), ``security.W002`` (missing or weak secret key), ``security.W003``
(``*`` in ``allowed_hosts``) and ``security.W004`` (this battery turned off); this module adds:

| id | problem |
|---|---|
| security.W005 | ``allowed_hosts`` is empty or only the local default |
| security.W006 | https is not declared (no HSTS, no redirect, cookies not forced ``Secure``) |
| security.W007 | https is declared but plain-http requests are not redirected |
| security.W008 | https is declared but HSTS is off |
| security.W009 | CSRF protection is off |
| security.W010 | clickjacking protection (``X-Frame-Options``/``frame-ancestors``) is off |
| security.W011 | ``X-Content-Type-Options: nosniff`` is off |
| security.W012 | no ``Referrer-Policy`` |
| security.W013 | the session cookie is sent over plain http (``Sessions(secure=False)``) |
| security.W014 | the session cookie is ``SameSite=None`` |
| security.W015 | a ``secret_key_fallbacks`` entry is weak |
| security.W016 | rate limits are counted in memory, per process |
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..app import is_weak_secret

if TYPE_CHECKING:
    from ..app import Spruce
    from .battery import Security

__all__ = ["deploy_problems"]

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


def deploy_problems(app: Spruce, battery: Security) -> Iterator[str]:
    """Every unsafe production setting of ``app`` the security battery knows about."""
    yield from _hosts(app)
    yield from _transport(battery)
    yield from _protections(battery)
    yield from _cookies(app)
    yield from _fallback_keys(app)
    yield from _rate_limits(app, battery)


def _hosts(app: Spruce) -> Iterator[str]:
    hosts = {h.strip().lower() for h in app.config.allowed_hosts if h.strip()}
    if not hosts or hosts <= LOCAL_HOSTS:
        yield (
            "security.W005 allowed_hosts lists no public host name (only localhost, or nothing): "
            "every request to your domain will be refused. Set SPRUCE_ALLOWED_HOSTS, e.g. "
            '\'["example.com", ".example.com"]\'.'
        )


def _transport(battery: Security) -> Iterator[str]:
    config = battery.config
    if not config.https:
        yield (
            "security.W006 https is not declared: no Strict-Transport-Security header, no "
            "redirect from http, and the CSRF cookie is not forced Secure. Serve the site over "
            "https and set SPRUCE_HTTPS=1."
        )
        return
    if not config.redirects_to_https:
        yield (
            "security.W007 https_redirect is off: pages requested over plain http are served "
            "over plain http. Unset SPRUCE_HTTPS_REDIRECT (or set it to 1)."
        )
    if not config.hsts_max_age:
        yield (
            "security.W008 HSTS is off (hsts_seconds=0): browsers may still try plain http, "
            "where an attacker can intercept. Unset SPRUCE_HSTS_SECONDS (one year by default)."
        )


def _protections(battery: Security) -> Iterator[str]:
    config = battery.config
    if not config.csrf:
        yield (
            "security.W009 CSRF protection is off: other sites can submit forms and API calls "
            "with your users' cookies. Remove csrf=False (exempt single routes with "
            "@csrf_exempt instead)."
        )
    if config.frame_options is None and "frame-ancestors" not in (
        config.content_security_policy or ""
    ):
        yield (
            "security.W010 clickjacking protection is off (frame_options=None and no CSP "
            "frame-ancestors): other sites can frame your pages. Use frame_options='DENY' or "
            "'SAMEORIGIN'."
        )
    if not config.content_type_nosniff:
        yield (
            "security.W011 X-Content-Type-Options: nosniff is off: browsers may run uploaded "
            "files as scripts. Remove content_type_nosniff=False."
        )
    if not config.referrer_policy:
        yield (
            "security.W012 no Referrer-Policy: full URLs (with tokens in them) leak to other "
            "sites. Use referrer_policy='same-origin' (the default)."
        )


def _cookies(app: Spruce) -> Iterator[str]:
    sessions = app.batteries.get("sessions")
    session_config = getattr(sessions, "config", None)
    if session_config is None:
        return
    if getattr(session_config, "secure", None) is False:
        yield (
            "security.W013 the session cookie is sent over plain http too (Sessions("
            "secure=False)), where it can be stolen. Leave secure=None (Secure on https)."
        )
    if getattr(session_config, "samesite", "lax") == "none":
        yield (
            "security.W014 the session cookie is SameSite=None: browsers send it with requests "
            "from every site. Use samesite='lax' (the default) unless you embed the site."
        )


def _fallback_keys(app: Spruce) -> Iterator[str]:
    if any(is_weak_secret(key) for key in app.config.secret_key_fallbacks):
        yield (
            "security.W015 a key in secret_key_fallbacks is weak (short or well known): data "
            "signed with it can be forged. Remove it or replace it with a strong one."
        )


def _rate_limits(app: Spruce, battery: Security) -> Iterator[str]:
    storage = battery.config.rate_limit_storage
    if not storage.removeprefix("async+").startswith("memory") or not battery.limited_routes(app):
        return
    yield (
        "security.W016 rate limits are counted in memory: each worker process counts on its "
        "own, so N workers allow N times the limit. Set SPRUCE_RATE_LIMIT_STORAGE="
        "redis://host:6379/0."
    )
