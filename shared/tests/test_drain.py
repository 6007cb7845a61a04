"""A replica told to stop leaves the front door's rotation before it closes its connections
(ontour.web.drain, deploy/caddy/Caddyfile).

Without the drain uvicorn closed its idle keep-alive connections at the first SIGTERM, and a
POST Caddy had just sent on one of them got 502 (once in tests/test_rolling_restart.py, in
CI). Real processes: the front door and a service forked as ``make up`` starts them, and Caddy
with the shared Caddyfile."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from ontour.devstack.preloaded import start_frontdoor, start_service
from ontour.devstack.servers import ManagedProcess, free_port, port_in_use, start_caddy, wait_until
from ontour.devstack.stack import repo_root
from ontour.testing.plugin import wait_for

# Long enough that the checks below run well inside it on a busy machine: the drain's length
# is what the test sets, not what it measures (the first test waits it out; the others end
# it with a second SIGTERM). Bounds for something stuck, not targets.
DRAIN_SECONDS = 60
WAITED_DRAIN_SECONDS = 10
WITHIN_SECONDS = 60
STOPPING = "Stopt: dit exemplaar neemt geen nieuwe verzoeken meer aan."


def answers(url: str, status: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url).status_code == status
        except httpx.HTTPError:
            return False

    return check


@contextmanager
def running(process: ManagedProcess, port: int, health: str) -> Iterator[ManagedProcess]:
    try:
        url = f"http://127.0.0.1:{port}{health}/ready"
        wait_until(lambda: port_in_use(port) and answers(url, 200)(), process, "not ready", 90)
        yield process
    finally:
        process.stop_signal = signal.SIGINT  # Ctrl-C: at once, without the drain
        process.stop()


def frontdoor(tmp_path: Path, env: dict[str, str], name: str) -> tuple[ManagedProcess, int]:
    port = free_port()
    return start_frontdoor(port, tmp_path / f"{name}.log", env), port


@pytest.fixture
def env(nats_url: str, idp_url: str) -> dict[str, str]:
    return {
        "ONTOUR_NATS_URL": nats_url,
        "ONTOUR_OIDC_ISSUER": idp_url,
        "ONTOUR_SHUTDOWN_DRAIN_SECONDS": str(DRAIN_SECONDS),
    }


def assert_stopping_but_serving(port: int, prefix: str, page: str) -> None:
    base = f"http://127.0.0.1:{port}{prefix}"
    for health in ("live", "ready"):
        answer = httpx.get(f"{base}/health/{health}")
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["detail"] == STOPPING
    # What was on its way is still served.
    assert httpx.get(f"{base}{page}").status_code == 200


def test_a_stopping_front_door_says_so_serves_on_and_stops_after_its_drain(
    tmp_path: Path, env: dict[str, str]
) -> None:
    env = env | {"ONTOUR_SHUTDOWN_DRAIN_SECONDS": str(WAITED_DRAIN_SECONDS)}
    process, port = frontdoor(tmp_path, env, "frontdoor")
    with running(process, port, "/health"):
        process.child.send_signal(signal.SIGTERM)
        wait_for(answers(f"http://127.0.0.1:{port}/health/live", 503), within=WITHIN_SECONDS)
        assert_stopping_but_serving(port, "", "/toegankelijkheid")
        assert process.child.poll() is None
        # Then uvicorn's own shutdown, ending with the signal as before.
        assert process.child.wait(WAITED_DRAIN_SECONDS + WITHIN_SECONDS) == -signal.SIGTERM
    written = (tmp_path / "frontdoor.log").read_text()
    assert "stopping after the drain" in written, written


def test_a_stopping_service_says_so_and_a_second_sigterm_stops_it_at_once(
    tmp_path: Path, env: dict[str, str], database_url
) -> None:
    port = free_port()
    service_env = env | {
        "ONTOUR_DATABASE_URL": database_url("drain"),
        "ONTOUR_HTTP_PORT": str(port),
        "ONTOUR_METRICS_PORT": "0",
    }
    process = start_service("reporting", port, tmp_path / "reporting.log", service_env)
    with running(process, port, "/reporting/health"):
        process.child.send_signal(signal.SIGTERM)
        wait_for(
            answers(f"http://127.0.0.1:{port}/reporting/health/live", 503), within=WITHIN_SECONDS
        )
        assert_stopping_but_serving(port, "/reporting", "/asyncapi.json")
        process.child.send_signal(signal.SIGTERM)
        assert process.child.wait(WITHIN_SECONDS) == -signal.SIGTERM


def test_caddy_takes_a_stopping_replica_out_of_the_rotation_before_it_closes(
    tmp_path: Path, env: dict[str, str]
) -> None:
    (first, first_port), (second, second_port) = (
        frontdoor(tmp_path, env, name) for name in ("frontdoor", "frontdoor-2")
    )
    http_port = free_port()
    caddy_env = {
        "FRONTDOOR_UPSTREAM": f"127.0.0.1:{first_port} 127.0.0.1:{second_port}",
        "ONTOUR_HTTP_PORT": str(http_port),
        "ONTOUR_BIND": "127.0.0.1",
    }
    caddyfile = repo_root() / "deploy" / "caddy" / "Caddyfile"
    with running(first, first_port, "/health"), running(second, second_port, "/health"):
        caddy = start_caddy(caddyfile, tmp_path / "caddy.log", caddy_env)
        try:
            through_caddy = f"http://127.0.0.1:{http_port}/health/live"
            wait_for(answers(through_caddy, 200), within=WITHIN_SECONDS)
            first.child.send_signal(signal.SIGTERM)
            wait_for(answers(f"http://127.0.0.1:{first_port}/health/live", 503), within=10)

            def only_the_second() -> bool:
                # The stopping one answers 503 here: twenty 200s in a row mean it is out.
                return all(answers(through_caddy, 200)() for _ in range(20))

            wait_for(only_the_second, within=WITHIN_SECONDS)
            # ... while it still serves: it left the rotation before closing a connection.
            assert first.child.poll() is None
            assert httpx.get(f"http://127.0.0.1:{first_port}/toegankelijkheid").status_code == 200
        finally:
            caddy.stop()
