"""``ontour up``: the whole system on one machine, each part in its own process.

Starts (unless ``ONTOUR_NATS_URL`` / ``ONTOUR_DATABASE_URL`` point at existing servers)
nats-server with JetStream and PostgreSQL, declares the streams, starts the four services
and Caddy on http://127.0.0.1:8080, starts again whatever dies (:mod:`.supervisor`), and
stops everything cleanly on Ctrl-C. Data lives under ``.ontour/`` (``ONTOUR_HOME``) and
survives restarts.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from importlib.metadata import entry_points
from pathlib import Path
from types import FrameType
from typing import Any, TypeVar

import httpx
from sqlalchemy.engine import make_url

from ontour import http_client
from ontour.devstack.idp import IDP_PORT, start_idp
from ontour.devstack.preloaded import start_frontdoor, start_service
from ontour.devstack.servers import (
    ManagedProcess,
    free_port,
    port_in_use,
    start_caddy,
    start_nats,
    start_postgres,
)
from ontour.devstack.supervisor import Supervised, Supervisor
from ontour.messaging.streams import ensure_streams_at
from ontour.settings import METRICS_PORT_OFFSET

T = TypeVar("T")

SERVICE_PORTS = {"intake": 8101, "scheduling": 8102, "aftercare": 8103, "reporting": 8104}
# Internal: /metrics of each service, on 127.0.0.1 and never behind Caddy.
METRICS_PORTS = {name: port + METRICS_PORT_OFFSET for name, port in SERVICE_PORTS.items()}
FRONTDOOR_PORT = 8100
NATS_PORT = 14222
NATS_MONITOR_PORT = 18222
POSTGRES_PORT = 15432
HTTP_PORT = 8080
# With several replicas, a stopping one keeps serving this long after SIGTERM while Caddy's
# health check (every second) takes it out of the rotation (ontour.web.drain).
DRAIN_SECONDS = 3.0


def run_to_end(work: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(work)``, also from a thread whose event loop is running (a test whose
    browser came first): then in a thread of its own (that starts no child process, whose
    death signal is tied to the thread that started it)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(1) as other:
        return other.submit(asyncio.run, work).result()


def service_names() -> list[str]:
    """The installed services (entry point group ``ontour.services``), in a fixed order."""
    names = {ep.name for ep in entry_points(group="ontour.services")}
    return [name for name in SERVICE_PORTS if name in names]


def repo_root() -> Path:
    here = Path.cwd()
    for candidate in [here, *here.parents]:
        if (candidate / "deploy" / "caddy" / "Caddyfile").exists():
            return candidate
    raise FileNotFoundError("run `ontour up` inside the On Tour repository")


def database_url(server_url: str, service: str) -> str:
    return (
        make_url(server_url)
        .set(drivername="postgresql+asyncpg", database=service)
        .render_as_string(hide_password=False)
    )


@dataclass(frozen=True)
class Replica:
    """One process of a part of the system, on its own port."""

    name: str
    port: int
    child: Supervised

    def ready(self, client: httpx.Client) -> bool:
        """Its own readiness, asked on its own port (not through Caddy)."""
        prefix = "" if self.name == "frontdoor" else f"/{self.name}"
        return _answers_ready(client, f"http://127.0.0.1:{self.port}{prefix}/health/ready")


def _answers_ready(client: httpx.Client, url: str) -> bool:
    try:
        return client.get(url).status_code == 200
    except httpx.HTTPError:
        return False


def readiness_client() -> httpx.Client:
    """One client for a whole wait: polling with a new client per check cost more CPU than
    the services' own start (a TLS context per client, several checks a second)."""
    return http_client.client(timeout=2.0)


@dataclass
class Stack:
    """The whole system as child processes; existing servers are used when URLs are given."""

    home: Path
    http_port: int = HTTP_PORT
    nats_url: str | None = None
    database_server_url: str | None = None
    oidc_issuer: str | None = None
    idp_port: int = IDP_PORT
    frontdoor_port: int = FRONTDOOR_PORT
    issuer: str = ""
    service_ports: dict[str, int] = field(default_factory=lambda: dict(SERVICE_PORTS))
    metrics_ports: dict[str, int] = field(default_factory=lambda: dict(METRICS_PORTS))
    environment: str = "development"
    # A part of the system (default: every installed service), in databases named
    # ``<prefix><service>``, so a second stack can share one PostgreSQL server.
    services: Sequence[str] = field(default_factory=service_names)
    database_prefix: str = ""
    # How long start() waits for every part to be ready before it gives up.
    ready_timeout: float = 90.0
    nats_port: int = NATS_PORT
    nats_monitor_port: int = NATS_MONITOR_PORT
    postgres_port: int = POSTGRES_PORT
    # Processes per service and of the front door (compose's `cluster` profile runs two);
    # a second one listens on free ports and Caddy balances over all of them.
    replicas: int = 1
    supervisor: Supervisor = field(init=False)
    # Every replica's (port, process) per part, "frontdoor" included, once started.
    replica_of: dict[str, list[Replica]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.supervisor = Supervisor(self.home / "logs" / "ontour-up.log")

    @property
    def processes(self) -> list[ManagedProcess]:
        return self.supervisor.processes

    def _require_free(self, port: int, what: str, variable: str) -> None:
        if port_in_use(port):
            raise SystemExit(
                f"Poort {port} voor {what} is al in gebruik. "
                f"Stop het andere proces of stel {variable} in."
            )

    def start(self) -> dict[str, str]:
        logs = self.home / "logs"
        nats_url = self.nats_url
        if not nats_url:
            self._require_free(self.nats_port, "NATS", "ONTOUR_NATS_URL")
            self.supervisor.add(
                partial(
                    start_nats,
                    self.home / "nats",
                    self.nats_port,
                    logs / "nats.log",
                    monitor_port=self.nats_monitor_port,
                    jetstream_settings=repo_root() / "deploy" / "nats" / "jetstream.conf",
                )
            )
            nats_url = f"nats://127.0.0.1:{self.nats_port}"
        server_url = self.database_server_url
        if not server_url:
            self._require_free(self.postgres_port, "PostgreSQL", "ONTOUR_DATABASE_URL")
            self.supervisor.add(
                partial(
                    start_postgres,
                    self.home / "postgres",
                    self.postgres_port,
                    logs / "postgres.log",
                )
            )
            server_url = f"postgresql+asyncpg://postgres@127.0.0.1:{self.postgres_port}/postgres"
        run_to_end(ensure_streams_at(nats_url))
        issuer = self.oidc_issuer
        if not issuer:
            self._require_free(self.idp_port, "de ontwikkel-IdP", "ONTOUR_OIDC_ISSUER")
            self.supervisor.add(partial(start_idp, self.idp_port, logs / "idp.log"))
            issuer = f"http://127.0.0.1:{self.idp_port}"
        self.issuer = issuer
        common = {
            "ONTOUR_NATS_URL": nats_url,
            "ONTOUR_OIDC_ISSUER": issuer,
            "ONTOUR_PUBLIC_BASE_URL": f"http://127.0.0.1:{self.http_port}",
            "ONTOUR_ENVIRONMENT": self.environment,
            "ONTOUR_SHUTDOWN_DRAIN_SECONDS": str(DRAIN_SECONDS if self.replicas > 1 else 0),
        }
        self._require_free(self.frontdoor_port, "de voordeur", "een andere poort")
        for replica, port in enumerate(self._ports(self.frontdoor_port)):
            log = logs / self._log_name("frontdoor", replica)
            self._add_replica("frontdoor", port, partial(start_frontdoor, port, log, common))

        for name in self.services:
            port, metrics_port = self.service_ports[name], self.metrics_ports[name]
            self._require_free(port, f"de dienst {name}", "een andere poort")
            self._require_free(metrics_port, f"de metrics van {name}", "een andere poort")
            ports = zip(self._ports(port), self._ports(metrics_port), strict=True)
            for replica, (port, metrics_port) in enumerate(ports):
                env = common | {
                    "ONTOUR_DATABASE_URL": database_url(server_url, self.database_prefix + name),
                    "ONTOUR_HTTP_PORT": str(port),
                    "ONTOUR_METRICS_PORT": str(metrics_port),
                }
                log = logs / self._log_name(name, replica)
                self._add_replica(name, port, partial(start_service, name, port, log, env))

        self._require_free(self.http_port, "Caddy", "ONTOUR_HTTP_PORT")
        root = repo_root()
        caddy_env = {
            f"{name.upper()}_UPSTREAM": f"127.0.0.1:{port}"
            for name, port in self.service_ports.items()
        }
        # Caddy splits a placeholder with spaces into one upstream per word.
        caddy_env |= {
            f"{name.upper()}_UPSTREAM": " ".join(f"127.0.0.1:{r.port}" for r in replicas)
            for name, replicas in self.replica_of.items()
        }
        caddy_env |= {
            "ONTOUR_HTTP_PORT": str(self.http_port),
            "ONTOUR_BIND": "127.0.0.1",
        }
        caddyfile = root / "deploy" / "caddy" / "Caddyfile"
        self.supervisor.add(partial(start_caddy, caddyfile, logs / "caddy.log", caddy_env))
        self._wait_ready(self.services, self.ready_timeout)
        return {"nats": nats_url, "database": server_url}

    def _ports(self, first: int) -> list[int]:
        return [first, *(free_port() for _ in range(self.replicas - 1))]

    @staticmethod
    def _log_name(name: str, replica: int) -> str:
        return f"{name}.log" if replica == 0 else f"{name}-{replica + 1}.log"

    def _add_replica(self, name: str, port: int, start: Callable[[], ManagedProcess]) -> None:
        child = self.supervisor.add(start, group="parts")
        self.replica_of.setdefault(name, []).append(Replica(name, port, child))

    def _wait_ready(self, services: Sequence[str], timeout: float = 90.0) -> None:
        """Every replica ready on its own port, and each service ready through Caddy."""
        deadline = time.monotonic() + timeout
        pending: list[Replica | str] = [
            *(r for name in services for r in self.replica_of.get(name, [])),
            *services,
        ]
        with readiness_client() as client:
            while pending and time.monotonic() < deadline:
                for process in self.processes:
                    if process.child.poll() is not None:
                        raise RuntimeError(
                            f"{process.name} stopte onverwacht; zie {process.log_path}"
                        )
                for part in list(pending):
                    if self._part_ready(part, client):
                        pending.remove(part)
                time.sleep(0.2)
        if pending:
            names = sorted({p if isinstance(p, str) else p.name for p in pending})
            raise TimeoutError(f"niet gereed binnen {timeout:.0f} s: {', '.join(names)}")

    def _part_ready(self, part: Replica | str, client: httpx.Client) -> bool:
        if isinstance(part, Replica):
            return part.ready(client)
        return _answers_ready(client, f"http://127.0.0.1:{self.http_port}/{part}/health/ready")

    def stop(self) -> None:
        self.supervisor.stop()


def stack_from_environment() -> Stack:
    home = Path(os.environ.get("ONTOUR_HOME", ".ontour")).resolve()
    return Stack(
        home=home,
        http_port=int(os.environ.get("ONTOUR_HTTP_PORT", HTTP_PORT)),
        nats_url=os.environ.get("ONTOUR_NATS_URL"),
        database_server_url=os.environ.get("ONTOUR_DATABASE_URL"),
        oidc_issuer=os.environ.get("ONTOUR_OIDC_ISSUER"),
        environment=os.environ.get("ONTOUR_ENVIRONMENT", "development"),
    )


def up(stack: Stack | None = None) -> int:
    """Start the stack, keep it running until Ctrl-C (SIGINT) or SIGTERM, then stop it."""
    stack = stack or stack_from_environment()
    home = stack.home
    stopping = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print("On Tour start… (logboeken in", home / "logs", ")", flush=True)
    try:
        stack.start()
    except BaseException as exc:
        print(f"Starten mislukt: {exc}", file=sys.stderr)
        stack.stop()
        return 1
    base = f"http://127.0.0.1:{stack.http_port}"
    metrics_ports = ", ".join(f"{name} {stack.metrics_ports[name]}" for name in service_names())
    if os.environ.get("ONTOUR_DEMO"):
        from ontour.devstack.demo import load_demo

        for line in load_demo(home, base, stack.issuer):
            print(f"Demo — {line}", flush=True)
    print(
        f"""
On Tour draait op {base}/

  Startpagina        {base}/           (aanmelden als elke rol via de ontwikkel-IdP)
  Intake             {base}/intake/api/v1/openapi.json
  Planning           {base}/scheduling/api/v1/openapi.json
  Nazorg             {base}/aftercare/api/v1/openapi.json
  Rapportage         {base}/reporting/api/v1/openapi.json
  Events (AsyncAPI)  {base}/<dienst>/asyncapi
  Gezondheid         {base}/<dienst>/health/ready
  Metrics (intern)   http://127.0.0.1:<poort>/metrics ({metrics_ports}; niet via Caddy)

Valt een onderdeel uit, dan start On Tour het vanzelf opnieuw.
Stoppen: Ctrl-C. Alles wissen: make reset.
""",
        flush=True,
    )
    while not stopping:
        stack.supervisor.check()
        time.sleep(0.2)
    print("On Tour stopt…", flush=True)
    stack.stop()
    print("Gestopt.", flush=True)
    return 0
