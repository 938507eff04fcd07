"""Who may see the debug page, and where debug mode may not be turned on at all.

Debug mode is refused outright when ``SPRUCE_ENV`` says production. With debug on, the page is
shown only to clients on the loopback interface (``127.0.0.0/8``, ``::1``) unless the
``debug_allowed_ips`` setting names more addresses or networks. A request that came through a
proxy (it carries ``X-Forwarded-For``, ``Forwarded`` or ``X-Real-IP``) counts as remote unless the
proxy is listed in ``trusted_proxies``: a proxy on the same machine must not make every visitor
look local.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from ..requests import Request

__all__ = ["PRODUCTION_NAMES", "ClientFilter", "refuse_in_production", "running_in_production"]

PRODUCTION_NAMES = frozenset({"production", "prod"})
"""``SPRUCE_ENV`` values that mean production (compared lower-cased)."""

_FORWARDING_HEADERS = (b"x-forwarded-for", b"forwarded", b"x-real-ip")

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def running_in_production() -> bool:
    """True when the ``SPRUCE_ENV`` environment variable says ``production`` (or ``prod``)."""
    return os.environ.get("SPRUCE_ENV", "").strip().lower() in PRODUCTION_NAMES


def refuse_in_production() -> None:
    """Raise ``ImproperlyConfigured`` when debug mode is asked for in production."""
    if running_in_production():
        raise ImproperlyConfigured(
            "debug mode is on but SPRUCE_ENV says this is production; debug pages show source "
            "code and local variables, so Spruce will not start. Set SPRUCE_DEBUG=false (and "
            "remove debug=True from Spruce(...)) or change SPRUCE_ENV."
        )


class ClientFilter:
    """Decides whether a client may see the debug page: loopback always, plus ``allowed``
    addresses or networks (``"10.0.0.0/8"``, ``"192.168.1.20"``; ``"*"`` for everyone)."""

    __slots__ = ("allow_all", "networks")

    def __init__(self, allowed: Iterable[str] = ()) -> None:
        self.allow_all = False
        networks: list[_Network] = []
        for entry in allowed:
            entry = entry.strip()
            if entry == "*":
                self.allow_all = True
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ImproperlyConfigured(
                    f"debug_allowed_ips: {entry!r} is not an IP address or network "
                    "(e.g. 192.168.1.20 or 10.0.0.0/8)"
                ) from None
        self.networks = tuple(networks)

    def allows_address(self, host: str | None) -> bool:
        """True when ``host`` (an IP address as text) may see the page."""
        if self.allow_all:
            return True
        if host is None:
            return False
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return address.is_loopback or any(address in network for network in self.networks)

    def allows(self, request: Request) -> bool:
        """True when the client of ``request`` may see the page (see the module docs)."""
        if self.allow_all:
            return True
        peer = request.scope.get("client")
        proxies = request.app.config.trusted_proxies
        trusted_peer = bool(proxies) and peer is not None and proxies.trusts(peer[0])
        if not trusted_peer and any(
            name in _FORWARDING_HEADERS for name, _ in request.scope.get("headers", ())
        ):
            return False
        client = request.client
        return self.allows_address(client.host if client else None)
