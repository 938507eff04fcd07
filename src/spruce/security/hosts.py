"""Allowed hosts: answering only to the host names the application is served under.

Links in e-mails (password resets) and redirects are built from the request's host; a request
whose ``Host`` (or, from a trusted proxy, ``X-Forwarded-Host``) is not in the ``allowed_hosts``
setting is answered 400 before any handler runs, so an attacker cannot make the app build links to
their own site. Entries are exact names (``example.com``, ``127.0.0.1``, ``[::1]``),
``.example.com`` for the domain and all its subdomains, or ``*`` (anything: never in production).
Ports are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..hostnames import host_name

__all__ = ["AllowedHosts", "host_name"]

_CACHE_SIZE = 64


class AllowedHosts:
    """The ``allowed_hosts`` setting, compiled; ``hosts.allows("example.com:8000")``."""

    __slots__ = ("_accepted", "any", "exact", "patterns", "suffixes")

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(p.strip().lower() for p in patterns if p.strip())
        self.any = "*" in self.patterns
        self.exact = frozenset(p for p in self.patterns if not p.startswith(".") and p != "*")
        self.suffixes = tuple(p for p in self.patterns if p.startswith("."))
        # Raw Host values already accepted; bounded, and only accepted ones, so a flood of
        # made-up names cannot grow it.
        self._accepted: dict[str, bool] = {}

    def allows(self, host: str) -> bool:
        """True when ``host`` (a ``Host`` header value, port included) may be served."""
        if self.any:
            return True
        if host in self._accepted:
            return True
        name = host_name(host)
        if name is None:
            return False
        allowed = name in self.exact or any(
            name == suffix[1:] or name.endswith(suffix) for suffix in self.suffixes
        )
        if allowed and len(self._accepted) < _CACHE_SIZE:
            self._accepted[host] = True
        return allowed

    def __repr__(self) -> str:
        return f"AllowedHosts({list(self.patterns)!r})"
