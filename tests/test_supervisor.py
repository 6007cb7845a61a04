"""`make up` under its real supervisor (``ontour.devstack.stack.up``, in a process of its own
with its own NATS and PostgreSQL): NATS runs as durably as production; a service,
nats-server and PostgreSQL each killed with SIGKILL come back, the stack is ready again and
nothing recorded is lost; Ctrl-C still stops every process it started. One stack start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from ontour import http_client
from ontour.devstack.idp import SUBJECT_FOR_ROLE, fetch_id_token
from ontour.devstack.servers import free_port
from ontour.devstack.stack import repo_root, service_names
from ontour.testing.plugin import wait_for

# Bounds for a stack that is stuck, not performance targets.
READY_WITHIN_SECONDS = 120
RECOVERED_WITHIN_SECONDS = 60
STOPPED_WITHIN_SECONDS = 60

RUN_SUPERVISOR = """
import json, sys
from pathlib import Path
from ontour.devstack.stack import Stack, up
settings = json.loads(sys.argv[1])
sys.exit(up(Stack(home=Path(settings.pop("home")), **settings)))
"""

SERVICES = ("intake", "reporting")
# One client for the checks that poll (several times a second).
HTTP = http_client.client(timeout=5.0)

# Which process of the stack is which kind of child, by its command line.
KINDS: dict[str, Callable[[str], bool]] = {
    "intake": lambda command: "intake.app:create_app" in command,
    "nats-server": lambda command: "nats-server" in command,
    # The postmaster, not one of its backends ("postgres: postgres intake ...").
    "postgres": lambda command: command.split(" ")[0].endswith("/postgres") and " -D " in command,
}


@dataclass
class SupervisedStack:
    home: Path
    base_url: str
    issuer: str
    nats_monitor_port: int
    process: subprocess.Popen[bytes]
    terminal: Path

    def processes(self) -> dict[int, str]:
        """Every live process started under this stack (they inherit its ONTOUR_HOME), by
        pid, with its command line; the supervisor itself excluded."""
        marker = f"ONTOUR_HOME={self.home}".encode()
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == self.process.pid:
                continue
            try:
                environment = (entry / "environ").read_bytes().split(b"\0")
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:  # gone meanwhile, or a zombie
                continue
            if marker in environment and command:
                found[int(entry.name)] = command
        return found

    def pid_of(self, kind: str) -> int | None:
        return next((pid for pid, cmd in self.processes().items() if KINDS[kind](cmd)), None)

    def ready(self) -> bool:
        try:
            return all(
                HTTP.get(f"{self.base_url}/{name}/health/ready").status_code == 200
                for name in SERVICES
            )
        except httpx.HTTPError:
            return False

    def output(self) -> str:
        return self.terminal.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[SupervisedStack]:
    home = tmp_path.resolve()
    http_port, nats_monitor_port, idp_port = free_port(), free_port(), free_port()
    settings = {
        "home": str(home),
        "http_port": http_port,
        "nats_port": free_port(),
        "nats_monitor_port": nats_monitor_port,
        "postgres_port": free_port(),
        "idp_port": idp_port,
        "frontdoor_port": free_port(),
        "service_ports": {name: free_port() for name in service_names()},
        "metrics_ports": {name: free_port() for name in service_names()},
        "environment": "test",
        # Enough to see a voorgesprek reach reporting; fewer processes start sooner.
        "services": list(SERVICES),
    }
    terminal = home / "terminal.txt"
    with terminal.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-c", RUN_SUPERVISOR, json.dumps(settings)],
            cwd=repo_root(),
            env={**os.environ, "ONTOUR_HOME": str(home)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    stack = SupervisedStack(
        home,
        f"http://127.0.0.1:{http_port}",
        f"http://127.0.0.1:{idp_port}",
        nats_monitor_port,
        process,
        terminal,
    )
    try:

        def started_or_gone() -> bool:
            return "On Tour draait op" in stack.output() or process.poll() is not None

        wait_for(started_or_gone, READY_WITHIN_SECONDS, stack.output)
        assert process.poll() is None, stack.output()
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(STOPPED_WITHIN_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()  # its children get SIGTERM (PR_SET_PDEATHSIG)
                process.wait()


def test_make_up_is_durable_brings_a_killed_part_back_and_stops_on_ctrl_c(
    supervised: SupervisedStack,
) -> None:
    # `make up`'s NATS runs with production's JetStream settings (deploy/nats/jetstream.conf).
    varz = httpx.get(f"http://127.0.0.1:{supervised.nats_monitor_port}/varz").json()
    assert varz["jetstream"]["config"]["sync_always"] is True
    assert varz["jetstream"]["config"]["max_memory"] == 64 * 1024 * 1024

    base = supervised.base_url

    def as_role(role: str) -> dict[str, str]:
        token = fetch_id_token(supervised.issuer, SUBJECT_FOR_ROLE[role])
        return {"Authorization": f"Bearer {token}"}

    coordinator, ministry = as_role("coordinator"), as_role("ministerie")

    def record(day: int) -> str:
        created = httpx.post(
            f"{base}/intake/api/v1/voorgesprekken",
            json={"organisation_code": "GM0363", "held_on": f"2025-05-{day:02d}", "mode": "fysiek"},
            headers=coordinator,
            timeout=10,
        )
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    recorded = [record(1)]
    for day, kind in enumerate(KINDS, start=2):
        killed = supervised.pid_of(kind)
        assert killed is not None, (kind, supervised.processes())
        os.kill(killed, signal.SIGKILL)

        def started_again(kind: str = kind, killed: int = killed) -> bool:
            return supervised.pid_of(kind) not in (None, killed)

        wait_for(started_again, RECOVERED_WITHIN_SECONDS, supervised.output)
        wait_for(supervised.ready, RECOVERED_WITHIN_SECONDS, supervised.output)
        recorded.append(record(day))

    for voorgesprek in recorded:
        found = httpx.get(f"{base}/intake/api/v1/voorgesprekken/{voorgesprek}", headers=coordinator)
        assert found.status_code == 200, found.text

    def held() -> int:
        figures = HTTP.get(f"{base}/reporting/api/v1/tour", headers=ministry).json()
        [headline] = [t for t in figures["tabellen"] if t["naam"] == "kerncijfers"]
        return int(headline["rijen"][0][1]["waarde"] or 0)

    def all_reached_reporting() -> bool:
        return held() == len(recorded)

    wait_for(all_reached_reporting, RECOVERED_WITHIN_SECONDS, lambda: f"held: {held()}")

    # The terminal and the logs say what died and that it came back.
    terminal = supervised.output()
    logs = supervised.home / "logs"
    for kind in KINDS:
        assert f"{kind} stopte onverwacht (signaal SIGKILL)" in terminal, terminal
        assert f"{kind} herstart (pid" in terminal, terminal
        assert f"{kind} stopte onverwacht" in (logs / "ontour-up.log").read_text()
    assert "intake herstart" in (logs / "intake.log").read_text()

    # Ctrl-C: everything stops, no process of the stack is left behind.
    assert supervised.processes()
    supervised.process.send_signal(signal.SIGINT)
    assert supervised.process.wait(STOPPED_WITHIN_SECONDS) == 0

    def none_left() -> bool:
        return not supervised.processes()

    wait_for(none_left, STOPPED_WITHIN_SECONDS, lambda: f"left: {supervised.processes()}")
