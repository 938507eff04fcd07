"""Trusting ``X-Forwarded-*`` headers only from proxies the application names.

Behind a reverse proxy the TCP peer is the proxy, not the client. Spruce believes
``X-Forwarded-For``/``-Proto``/``-Host`` only when the peer is listed in the ``trusted_proxies``
setting (addresses or networks such as ``10.0.0.0/8``); the client is then the right-most address in
``X-Forwarded-For`` that is not itself a trusted proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

__all__ = ["TrustedProxies"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """A set of proxy addresses and networks whose forwarding headers are believed."""

    __slots__ = ("_networks", "trust_all")

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.trust_all = False
        networks: list[_Network] = []
        for entry in entries:
            if entry == "*":
                self.trust_all = True
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError as exc:
                raise ValueError(
                    f"trusted_proxies: {entry!r} is not an IP address or network (e.g. 10.0.0.0/8)"
                ) from exc
        self._networks = tuple(networks)

    def __bool__(self) -> bool:
        return self.trust_all or bool(self._networks)

    def trusts(self, host: str | None) -> bool:
        """True when ``host`` is a trusted proxy address."""
        if host is None:
            return False
        if self.trust_all:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self._networks)

    def client_from_forwarded_for(self, header: str, peer: str) -> str:
        """The client address from an ``X-Forwarded-For`` value sent by trusted ``peer``."""
        hops = [hop.strip() for hop in header.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer
