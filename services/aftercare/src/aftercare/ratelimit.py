"""A per-client limit on the public request form, in this process (no third-party CAPTCHA).

Sliding window per client address, as the trusted proxy saw it
(:func:`ontour.client_address.client_address`: the rightmost ``X-Forwarded-For`` entry Caddy
added, never one a client wrote itself). An IPv6 client counts per /64, the block one
connection usually owns. Several replicas each keep their own window: the limit then applies
per replica, which is enough to stop a flood from one client without a shared store.

Memory stays bounded: a client's window goes once it is empty, expired windows are swept now
and then, and beyond ``max_clients`` the longest-quiet client is forgotten first.
"""

from __future__ import annotations

import ipaddress
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

from ontour.client_address import client_address
from starlette.requests import Request

WINDOW_SECONDS = 3600.0
MAX_CLIENTS = 50_000


def client_of(request: Request) -> str:
    """The key of the client in the limiter: its address, for IPv6 its /64."""
    address = client_address(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return address


@dataclass
class RateLimiter:
    per_window: int
    window_seconds: float = WINDOW_SECONDS
    max_clients: int = MAX_CLIENTS
    # Least recently seen first, so the sweep can stop at the first live window.
    _seen: OrderedDict[str, deque[float]] = field(default_factory=OrderedDict)

    def __len__(self) -> int:
        return len(self._seen)

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self._sweep(now)
        hits = self._seen.pop(client, None) or deque()
        while hits and hits[0] <= now - self.window_seconds:
            hits.popleft()
        if len(hits) >= self.per_window:
            self._seen[client] = hits
            return False
        hits.append(now)
        self._seen[client] = hits  # to the end: most recently seen
        while len(self._seen) > self.max_clients:
            self._seen.popitem(last=False)
        return True

    def _sweep(self, now: float) -> None:
        """Drop the clients whose newest hit has left the window (oldest first)."""
        while self._seen:
            oldest = next(iter(self._seen))
            if self._seen[oldest][-1] > now - self.window_seconds:
                return
            del self._seen[oldest]
