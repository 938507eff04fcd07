"""Origins (``scheme://host[:port]``): comparing them, and lists of trusted ones.

Used by the CSRF check (``Origin``/``Referer`` against the request's own origin and
``csrf_trusted_origins``) and by CORS (``cors_origins``). A list entry is an exact origin,
``https://*.example.com`` for every subdomain of ``example.com`` (not ``example.com`` itself), or
``*`` for any origin where that is allowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from ..requests import HTTPConnection

__all__ = ["OriginList", "normalise_origin", "origin_of_url", "own_origin"]

_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.")
_DEFAULT_PORTS = {"http": ":80", "https": ":443", "ws": ":80", "wss": ":443"}


def normalise_origin(origin: str) -> str:
    """``origin`` lower-cased, without a trailing slash or the scheme's default port."""
    origin = origin.strip().lower().rstrip("/")
    scheme, _, rest = origin.partition("://")
    default_port = _DEFAULT_PORTS.get(scheme)
    if default_port and rest.endswith(default_port):
        origin = origin[: -len(default_port)]
    return origin


def own_origin(connection: HTTPConnection) -> str:
    """The origin the request was sent to (scheme and host as seen through trusted proxies)."""
    scheme = connection.scheme
    if scheme in ("ws", "wss"):
        scheme = "https" if scheme == "wss" else "http"
    return normalise_origin(f"{scheme}://{connection.host}")


def origin_of_url(url: str) -> str | None:
    """The origin of an absolute URL (a ``Referer``), or None when it has none."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc:
        return None
    netloc = parts.netloc.rpartition("@")[2]  # never trust user:password@ in a URL
    return normalise_origin(f"{parts.scheme}://{netloc}")


class OriginList:
    """A set of origins and origin patterns; ``origin in origins`` tests one."""

    __slots__ = ("any", "exact", "patterns", "subdomains")

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self.any = "*" in self.patterns
        exact: set[str] = set()
        subdomains: list[tuple[str, str]] = []
        for pattern in self.patterns:
            if pattern == "*":
                continue
            scheme, _, rest = normalise_origin(pattern).partition("://")
            if rest.startswith("*."):
                subdomains.append((scheme + "://", rest[1:]))
            else:
                exact.add(f"{scheme}://{rest}")
        self.exact = frozenset(exact)
        self.subdomains = tuple(subdomains)

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def __contains__(self, origin: object) -> bool:
        if not isinstance(origin, str):
            return False
        if self.any:
            return True
        origin = normalise_origin(origin)
        if origin in self.exact:
            return True
        for scheme, suffix in self.subdomains:
            if origin.startswith(scheme) and origin.endswith(suffix):
                host = origin[len(scheme) : -len(suffix)]
                if host and not host.startswith(".") and set(host) <= _HOST_CHARS:
                    return True
        return False

    def __repr__(self) -> str:
        return f"OriginList({list(self.patterns)!r})"
