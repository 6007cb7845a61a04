"""The address of the client behind the entry point, taken from the trusted proxy hop only.

Caddy appends the address it saw to ``X-Forwarded-For``; whatever a client wrote there
itself stands to the left of it. So the address is the rightmost entry that is not one of
the trusted proxies (``ONTOUR_TRUSTED_PROXIES``), and only when the peer itself is a trusted
proxy; the leftmost entry is never believed. uvicorn is started with
``--forwarded-allow-ips`` set to the same proxies, so ``request.client`` already holds that
address in a real run; this function gives the same answer either way (and in tests, where
the ASGI peer is 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import Request

DEFAULT_TRUSTED_PROXIES = "127.0.0.1"
UNKNOWN = "onbekend"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def parse_trusted_proxies(value: str) -> tuple[Network, ...]:
    """Comma-separated addresses or networks (``127.0.0.1``, ``172.28.0.0/24``)."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in value.split(",")
        if part.strip()
    )


def _host(entry: str) -> str:
    """The address of one X-Forwarded-For entry (without port or IPv6 brackets)."""
    entry = entry.strip()
    if entry.startswith("["):
        return entry[1:].split("]", 1)[0]
    if entry.count(":") == 1:  # IPv4 with a port
        return entry.split(":", 1)[0]
    return entry


def _is_trusted(host: str, trusted: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in trusted)


def trusted_proxies_of(request: Request) -> str:
    runtime = getattr(request.app.state, "runtime", None) if "app" in request.scope else None
    settings = getattr(runtime, "settings", None)
    return getattr(settings, "trusted_proxies", DEFAULT_TRUSTED_PROXIES)


def client_address(request: Request, trusted_proxies: str | None = None) -> str:
    """The client's address: the peer, or, when the peer is a trusted proxy, the rightmost
    ``X-Forwarded-For`` entry that is not itself a trusted proxy."""
    trusted = parse_trusted_proxies(
        trusted_proxies if trusted_proxies is not None else trusted_proxies_of(request)
    )
    peer = request.client.host if request.client else None
    if peer is None:
        return UNKNOWN
    if not _is_trusted(peer, trusted):
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    hops = [_host(entry) for entry in forwarded.split(",") if entry.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            return hop
    return peer
