"""The internal metrics endpoint: Prometheus' text on a port of its own.

Exact counters (events consumed per type, requests per route and status) tell when someone
did something, so they are never a route of the public app: prometheus_client's own HTTP
server answers on ``metrics_host:metrics_port``, which only the monitoring reaches (the
loopback interface in development, the internal network in compose and Kubernetes), and
no proxy forwards to.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from wsgiref.simple_server import WSGIServer

from prometheus_client import start_http_server

from ontour.observability import metrics


@dataclass
class MetricsEndpoint:
    server: WSGIServer
    thread: threading.Thread

    @classmethod
    def start(cls, host: str, port: int) -> MetricsEndpoint:
        """Listen on ``host:port`` (0: any free port); a port in use fails here, at start-up."""
        server, thread = start_http_server(port, host, registry=metrics.registry)
        return cls(server, thread)

    @property
    def port(self) -> int:
        return self.server.server_port

    async def stop(self) -> None:
        # shutdown() waits for the serving loop, which looks every 0.5 s: not on the event loop.
        await asyncio.to_thread(self.server.shutdown)
        self.server.server_close()
        self.thread.join(timeout=5)
