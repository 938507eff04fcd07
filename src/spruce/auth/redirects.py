"""Where a ``next=`` parameter may send the user: this site only.

    safe_next(request, request.query_params.get("next"), default="/")

Accepted: a path on this site (``/posts/3?tab=comments``), or an absolute ``http(s)`` URL whose
host is the request's own host. Refused, and replaced by the default: another host
(``https://evil.com``), a scheme-relative URL (``//evil.com``), backslashes (``/\\evil.com``,
``\\\\evil.com``, which browsers read as slashes), other schemes (``javascript:``, ``data:``),
control characters, tabs and spaces around the value (browsers strip them and then read what is
left), user names in URLs (``https://site@evil.com``), and any of these percent-encoded once or
twice (``/%2F%2Fevil.com``, ``%252F%252Fevil.com``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from ..requests import HTTPConnection

__all__ = ["is_safe_redirect", "safe_next"]

_MAX_LENGTH = 2000
_UNSAFE_RAW = re.compile(r"[\x00-\x20\x7f\\]")  # as sent: no spaces, controls, backslashes
_UNSAFE_DECODED = re.compile(r"[\x00-\x1f\x7f\\]|^\s|\s$")  # browsers drop tabs and newlines


def _decodings(url: str) -> list[str]:
    """``url`` as given and percent-decoded up to twice (what a chain of servers might see)."""
    forms = [url]
    for _ in range(2):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    return forms


def _is_local_path(url: str) -> bool:
    return url.startswith("/") and not url.startswith("//")


def is_safe_redirect(url: str | None, host: str, *, require_https: bool = False) -> bool:
    """True when sending the browser to ``url`` keeps it on ``host`` (see the module
    docstring); ``require_https`` refuses absolute ``http:`` URLs (for pages served on https)."""
    if not url or len(url) > _MAX_LENGTH:
        return False
    if _UNSAFE_RAW.search(url):
        return False
    for form in _decodings(url):
        if _UNSAFE_DECODED.search(form):
            return False
        if _is_local_path(form):
            continue
        try:
            parts = urlsplit(form)
        except ValueError:
            return False
        schemes = ("https",) if require_https else ("http", "https")
        if parts.scheme not in schemes or parts.username or parts.password:
            return False
        if not parts.netloc or parts.netloc.lower() != host.lower():
            return False
    return True


def safe_next(connection: HTTPConnection, url: str | None, default: str) -> str:
    """``url`` when it is a safe place to go after a login or logout, else ``default``."""
    if url and is_safe_redirect(url, connection.host, require_https=connection.is_secure):
        return url
    return default
