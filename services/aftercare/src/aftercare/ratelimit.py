"""A per-client limit on the public request form, in this process (no third-party CAPTCHA).

Sliding window per client address (the first ``X-Forwarded-For`` hop, which Caddy sets, or
the peer address). Several replicas each keep their own window: the limit then applies per
replica, which is enough to stop a flood from one client without a shared store.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from starlette.requests import Request

WINDOW_SECONDS = 3600.0


def client_of(request: Request) -> str:
    forwarded = request.headers.get("x-forwarded-for", "")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.client.host if request.client else "onbekend"


@dataclass
class RateLimiter:
    per_window: int
    window_seconds: float = WINDOW_SECONDS
    _seen: dict[str, deque[float]] = field(default_factory=dict)

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self._seen.setdefault(client, deque())
        while hits and hits[0] <= now - self.window_seconds:
            hits.popleft()
        if len(hits) >= self.per_window:
            return False
        hits.append(now)
        return True
