"""Who is really calling, and over what, when a trusted reverse proxy stands in front.

Behind a load balancer the peer of every connection is the proxy; the proxy names the client in
``X-Forwarded-For`` and the scheme in ``X-Forwarded-Proto``. Those headers are believed only
when the peer is one of ``PLENARY_TRUSTED_PROXIES`` (default: this machine), because anyone
else could send them. Rate limits (per address) and HSTS (only behind TLS) both ask here.
Cost: a few address comparisons per request.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["TrustedProxies"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _header(scope: Any, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


@dataclass(frozen=True, slots=True)
class TrustedProxies:
    """The networks whose ``X-Forwarded-*`` headers are believed."""

    networks: tuple[_Network, ...]

    @classmethod
    def parse(cls, entries: Iterable[str]) -> TrustedProxies:
        """From addresses or networks (``10.0.0.0/8``, ``::1``); settings validated them."""
        return cls(tuple(ipaddress.ip_network(entry, strict=False) for entry in entries))

    def trusts(self, address: str | None) -> bool:
        """Whether ``address`` is a proxy whose forwarding headers count."""
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def _peer(self, scope: Any) -> str | None:
        client = scope.get("client")
        return str(client[0]) if client else None

    def client_address(self, scope: Any) -> str:
        """The caller's address: the peer, or, when the peer is a trusted proxy, the nearest
        address in ``X-Forwarded-For`` that is not itself a trusted proxy (RFC 7239 §5.2's
        rule for a chain of proxies, read from the right)."""
        peer = self._peer(scope) or "unknown"
        if not self.trusts(peer):
            return peer
        forwarded = _header(scope, b"x-forwarded-for")
        if not forwarded:
            return peer
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer

    def is_https(self, scope: Any) -> bool:
        """Whether the request reached the service over TLS: its own scheme, or the
        ``X-Forwarded-Proto`` of a trusted proxy."""
        if scope.get("scheme") in ("https", "wss"):
            return True
        if not self.trusts(self._peer(scope)):
            return False
        proto = _header(scope, b"x-forwarded-proto")
        return proto is not None and proto.split(",")[0].strip().lower() == "https"
