"""How a process connects to NATS: one server or a cluster, with its own user.

``nats_url`` names one server or, separated by commas, every server of a cluster (as the
NATS tools take them), each with the process's user and password. The credentials go to the
client as options, not inside the URLs: the client also reconnects to servers it only
learned from the cluster (their INFO carries no credentials), and with credentials in the
URLs alone such a reconnect is refused ("Authorization Violation"), after which FastStream
gives the connection up for good.

A server that stops answering without closing the connection (frozen, or cut off by the
network) is noticed by the client's pings: with NATS's defaults (every two minutes, two
unanswered) a process would keep publishing into a dead connection for minutes while the
rest of the cluster carries on; with ours it moves to another server within seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from faststream.nats.security import NatsUserPassword

PING_INTERVAL_SECONDS = 2
MAX_OUTSTANDING_PINGS = 2  # a connection is stale after 4-6 s without an answer
LIVENESS = {"ping_interval": PING_INTERVAL_SECONDS, "max_outstanding_pings": MAX_OUTSTANDING_PINGS}


@dataclass(frozen=True)
class NatsServers:
    urls: list[str]
    user: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, nats_url: str) -> NatsServers:
        urls: list[str] = []
        credentials: set[tuple[str, str]] = set()
        for url in (part.strip() for part in nats_url.split(",")):
            if not url:
                continue
            parts = urlsplit(url)
            userinfo, _, address = parts.netloc.rpartition("@")
            if userinfo:
                user, _, password = userinfo.partition(":")
                credentials.add((unquote(user), unquote(password)))
            urls.append(parts._replace(netloc=address).geturl())
        if not urls:
            raise ValueError("nats_url names no server")
        if len(credentials) > 1:
            raise ValueError("every server in nats_url must carry the same user and password")
        if not credentials:
            return cls(urls)
        user, password = credentials.pop()
        return cls(urls, user, password)

    def connect_options(self) -> dict[str, Any]:
        """Keyword arguments for ``nats.connect``."""
        if self.user is None:
            return {"servers": self.urls, **LIVENESS}
        return {"servers": self.urls, "user": self.user, "password": self.password, **LIVENESS}

    def broker_options(self) -> dict[str, Any]:
        """Keyword arguments for FastStream's ``NatsBroker``."""
        if self.user is None:
            return {"servers": self.urls, **LIVENESS}
        security = NatsUserPassword(self.user, self.password or "")
        return {"servers": self.urls, "security": security, **LIVENESS}
