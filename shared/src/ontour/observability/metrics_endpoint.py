"""The internal metrics endpoint: Prometheus' text on a port of its own.

Exact counters (events consumed per type, requests per route and status) tell when someone
did something, so they are never a route of the public app: prometheus_client's own HTTP
server answers on ``metrics_host:metrics_port``, which only the monitoring reaches (the
loopback interface in development, the internal network in compose and Kubernetes), and
no proxy forwards to.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from ontour.observability import metrics

# How often the serving loop looks whether it should stop: a stop waits for it, and tests
# start and stop a service hundreds of times (prometheus_client's own server looks every 0.5 s).
POLL_SECONDS = 0.02


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes are not worth a line in the service's log."""


@dataclass
class MetricsEndpoint:
    server: WSGIServer
    thread: threading.Thread

    @classmethod
    def start(cls, host: str, port: int) -> MetricsEndpoint:
        """Listen on ``host:port`` (0: any free port); a port in use fails here, at start-up."""
        family = socket.getaddrinfo(host, port)[0][0]

        class Server(ThreadingWSGIServer):
            address_family = family

        server = make_server(
            host, port, make_wsgi_app(metrics.registry), Server, handler_class=_Quiet
        )
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
        )
        thread.start()
        return cls(server, thread)

    @property
    def port(self) -> int:
        return self.server.server_port

    async def stop(self) -> None:
        # shutdown() waits for the serving loop to look (POLL_SECONDS): not on the event loop.
        await asyncio.to_thread(self.server.shutdown)
        self.server.server_close()
        self.thread.join(timeout=5)
