"""Host names as requests carry them: checking a ``Host`` value and naming the server's own.

A ``Host`` header (or a trusted proxy's ``X-Forwarded-Host``) is a host name or an IP address
(IPv6 in brackets) and an optional port. Anything else (spaces, ``@``, ``/``, an unclosed
bracket, several ports) is refused before it can end up in a URL the app builds.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["host_name", "server_host"]

# A host name or an IP address (IPv6 in brackets), then an optional port.
_HOST = re.compile(r"^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([0-9]{1,5}))?$")


def host_name(host: str) -> str | None:
    """``host`` without its port, lower-cased; None when it is not a valid host (spaces, ``@``,
    ``/``, several ports...)."""
    match = _HOST.match(host.lower())
    if match is None:
        return None
    name = match.group(1)
    return name[:-1] if name.endswith(".") else name


def server_host(scope: dict[str, Any]) -> str:
    """``host:port`` of the server that took the request (for requests without a ``Host``
    header), an IPv6 address in brackets; ``""`` when the server did not say."""
    server = scope.get("server")
    if not server:
        return ""
    address, port = server[0], server[1]
    if ":" in address:
        address = f"[{address}]"
    return f"{address}:{port}" if port is not None else address
