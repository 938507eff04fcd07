"""The request as the debug page shows it: method, URL, route, client, query and headers.

Secrets stay hidden: ``Cookie``, ``Authorization`` and other secret-looking headers and query
parameters are shown as ``********``; of the cookies, only the names are listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .frames import safe_repr
from .secrets import mask_if_secret

if TYPE_CHECKING:
    from ..requests import Request

__all__ = ["RequestDetails", "request_details"]


@dataclass(slots=True)
class RequestDetails:
    """What the debug page lists about the request that failed."""

    method: str = "?"
    url: str = "?"
    route: str | None = None
    client: str = "unknown"
    path_params: list[tuple[str, str]] = field(default_factory=list)
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    cookies: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The details as JSON-ready data."""
        return {
            "method": self.method,
            "url": self.url,
            "route": self.route,
            "client": self.client,
            "path_params": dict(self.path_params),
            "query": [list(pair) for pair in self.query],
            "headers": [list(pair) for pair in self.headers],
            "cookies": self.cookies,
        }


def request_details(request: Request) -> RequestDetails:
    """Collect ``request``'s details; a part that cannot be read is left at its default."""
    details = RequestDetails()
    scope = request.scope
    details.method = str(scope.get("method", "?"))
    try:
        url = request.url
        details.url = f"{url.scheme}://{url.netloc}{scope.get('root_path', '')}{request.path}"
    except Exception:
        details.url = str(scope.get("path", "?"))
    route = request.route
    if route is not None:
        details.route = f"{route.name} ({route.full_path}) -> {route.qualname}"
    try:
        client = request.client
        details.client = f"{client.host}:{client.port}" if client else "unknown"
    except Exception:
        pass
    details.path_params = [
        (name, safe_repr(value, name)) for name, value in request.path_params.items()
    ]
    try:
        details.query = [
            (key, mask_if_secret(key, value)) for key, value in request.query_params.multi_items()
        ]
    except Exception:
        pass
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1")
        details.headers.append((name, mask_if_secret(name, raw_value.decode("latin-1"))))
    try:
        details.cookies = sorted(request.cookies)
    except Exception:
        pass
    return details
