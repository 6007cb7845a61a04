"""Stopping without a failed request where several replicas run behind the front door.

On SIGTERM uvicorn closes its idle keep-alive connections at once. Caddy may have sent a
request on one of them that very moment; for a POST it cannot know whether the service saw
it, so it does not retry and the user gets 502 (tests/test_rolling_restart.py caught it).
With ``shutdown_drain_seconds`` set, SIGTERM first only marks the process as stopping: its
``/health/live`` and ``/health/ready`` answer 503, Caddy's active health check
(deploy/caddy/Caddyfile, every second) takes the replica out of the rotation, and requests
still arriving are served as usual. After the drain uvicorn's own shutdown runs as before. A
second SIGTERM, or SIGINT (Ctrl-C), stops at once.

Off (0) by default: a single replica has nowhere else to send requests, and Kubernetes takes a
pod out of its endpoints during its own preStop pause (deploy/k8s/base).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

from ontour.observability.logging import get_logger
from ontour.web.problems import Problem

log = get_logger(__name__)


class Drain:
    """Whether this process has been told to stop, and how long it keeps serving after that."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.stopping = False

    def refuse_when_stopping(self) -> None:
        """For the health checks: a stopping process takes no new requests."""
        if self.stopping:
            raise Problem(503, "Stopt: dit exemplaar neemt geen nieuwe verzoeken meer aan.")

    @contextlib.contextmanager
    def holding_sigterm(self) -> Iterator[None]:
        """While the app runs (inside its lifespan): SIGTERM starts the drain, and is passed on
        to the server's own handler (uvicorn's) when the drain is over.

        Only under a server that handles SIGTERM itself, in the main thread: elsewhere (an app
        in a test client, a drain of 0) SIGTERM keeps doing what it did."""
        server_handler = signal.getsignal(signal.SIGTERM)
        if (
            self.seconds <= 0
            or not callable(server_handler)
            or threading.current_thread() is not threading.main_thread()
        ):
            yield
            return
        loop = asyncio.get_running_loop()

        def pass_on(signum: int, frame: FrameType | None) -> None:
            server_handler(signum, frame)

        def begin(signum: int, frame: FrameType | None) -> None:
            log.info("stopping after the drain", drain_seconds=self.seconds)
            loop.call_later(self.seconds, pass_on, signum, frame)

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            if self.stopping:
                pass_on(signum, frame)
                return
            self.stopping = True
            # A signal handler may interrupt the event loop anywhere: hand the rest to it.
            loop.call_soon_threadsafe(begin, signum, frame)

        signal.signal(signal.SIGTERM, on_sigterm)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, server_handler)
