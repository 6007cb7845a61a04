"""The front door, not the service, ends an idle connection between them.

uvicorn closes an idle keep-alive connection after 5 s by default, while Caddy keeps one for
2 minutes: a request Caddy sent on a connection the service was closing at that moment got a
502 ("write: broken pipe" in Caddy's log; seen in tests/test_demo.py under load). So every
service keeps an idle connection open longer than Caddy does, in `make up` and in the image.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from deploy_support import DEPLOY
from ontour.devstack import preloaded
from test_deploy_caddy_observability import caddy

NANOSECONDS = 1_000_000_000
SERVICE_UPSTREAMS = {f"127.0.0.1:{port}" for port in range(8100, 8105)}  # front door, services


def _reverse_proxies(routes: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for route in routes:
        for handler in route.get("handle", []):
            if handler["handler"] == "reverse_proxy":
                yield handler
            if handler["handler"] == "subroute":
                yield from _reverse_proxies(handler.get("routes", []))


def _idle_seconds_of_caddy() -> dict[str, float]:
    """Per service upstream: how long Caddy keeps an idle connection to it."""
    result = caddy("adapt", {})
    assert result.returncode == 0, result.stderr
    [server] = json.loads(result.stdout)["apps"]["http"]["servers"].values()
    idle = {}
    for proxy in _reverse_proxies(server["routes"]):
        for upstream in proxy["upstreams"]:
            keep_alive = proxy.get("transport", {}).get("keep_alive", {})
            # Caddy's default when the Caddyfile says nothing: 2 minutes.
            idle[upstream["dial"]] = keep_alive.get("idle_timeout", 120 * NANOSECONDS) / NANOSECONDS
    return idle


def _keep_alive_argument(arguments: list[str]) -> float:
    """uvicorn's --timeout-keep-alive (its default: 5 s)."""
    if "--timeout-keep-alive" not in arguments:
        return 5.0
    return float(arguments[arguments.index("--timeout-keep-alive") + 1])


def test_caddy_lets_an_idle_connection_go_before_the_service_does() -> None:
    idle = _idle_seconds_of_caddy()
    assert set(idle) >= SERVICE_UPSTREAMS, idle
    embedded = _keep_alive_argument(preloaded.uvicorn_command("intake.app:create_app", 8101))
    dockerfile = (DEPLOY / "docker" / "Dockerfile").read_text(encoding="utf-8")
    [command] = re.findall(r"^CMD \[.*uvicorn.*$", dockerfile, flags=re.MULTILINE)
    image = _keep_alive_argument(command.rstrip('"]').split())
    for upstream in SERVICE_UPSTREAMS:
        assert idle[upstream] < embedded, (upstream, idle[upstream], embedded)
        assert idle[upstream] < image, (upstream, idle[upstream], image)
