"""Three nats-servers with deploy/nats/nats-cluster.conf on loopback (the compose profile
`cluster` on one machine), with the faults an operator meets: a server killed, restarted on
its data, or frozen (SIGSTOP) while the others carry on."""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nats
from deploy_support import NatsNode, connected, nats_passwords
from nats.aio.client import Client
from ontour.devstack.servers import free_port
from ontour.messaging.connection import NatsServers
from ontour.messaging.streams import ensure_streams
from ontour.testing.plugin import eventually

CLUSTER_NODES = ("nats-1", "nats-2", "nats-3")
ROUTE_PASSWORD = "route-secret"  # a test value for $NATS_CLUSTER_PASSWORD


def cluster_env(
    passwords: dict[str, str], name: str, route_ports: dict[str, int]
) -> dict[str, str]:
    """The environment nats-cluster.conf reads, as compose sets it for server ``name``
    (routes on loopback ports instead of the compose host names)."""
    return {
        **passwords,
        "NATS_SERVER_NAME": name,
        "NATS_CLUSTER_PASSWORD": ROUTE_PASSWORD,
        **{
            f"NATS_ROUTE_{i}": f"nats://route:{ROUTE_PASSWORD}@127.0.0.1:{route_ports[node]}"
            for i, node in enumerate(CLUSTER_NODES, start=1)
        },
    }


@dataclass
class NatsCluster:
    """The three servers of the `cluster` profile, each on its own ports and store."""

    home: Path
    passwords: dict[str, str] = field(default_factory=nats_passwords)
    nodes: dict[str, NatsNode] = field(default_factory=dict)

    def __post_init__(self) -> None:
        route_ports = {name: free_port() for name in CLUSTER_NODES}
        for name in CLUSTER_NODES:
            # The file as is; only the route listener moves to a loopback port.
            self.nodes[name] = NatsNode(
                self.home / name,
                env=cluster_env(self.passwords, name, route_ports),
                config="nats-cluster.conf",
                extra_args=["--cluster", f"nats://127.0.0.1:{route_ports[name]}"],
            )

    def start(self) -> NatsCluster:
        for node in self.nodes.values():
            node.start()
        return self

    def stop(self) -> None:
        for name, node in self.nodes.items():
            self.resume(name)  # a frozen server cannot act on SIGTERM
            node.stop()

    def nats_url(self, user: str) -> str:
        """Every server, as ONTOUR_NATS_URL gives them to a client of the cluster."""
        return ",".join(node.url(user) for node in self.nodes.values())

    def serving(self, port: int) -> str:
        """The server a client connected on ``port`` talks to."""
        return next(name for name, node in self.nodes.items() if node.port == port)

    def pid(self, name: str) -> int:
        process = self.nodes[name].process
        assert process is not None, f"{name} never started"
        return process.child.pid

    def kill(self, name: str) -> None:
        """kill -9: no lame duck, no flush, no goodbye to the routes."""
        process = self.nodes[name].process
        assert process is not None
        process.child.send_signal(signal.SIGKILL)
        process.child.wait()

    def restart(self, name: str) -> None:
        """Start a killed server again on its own data directory."""
        self.nodes[name].start()

    def pause(self, name: str) -> None:
        os.kill(self.pid(name), signal.SIGSTOP)

    def resume(self, name: str) -> None:
        process = self.nodes[name].process
        if process is not None and process.child.poll() is None:
            os.kill(process.child.pid, signal.SIGCONT)

    async def declare_streams(self, replicas: int = 3) -> None:
        """`ontour streams ensure --replicas 3`, once JetStream has a meta leader."""

        async def declared() -> bool:
            try:
                async with connected(self.nodes[CLUSTER_NODES[0]].url("ops")) as (nc, _):
                    await ensure_streams(nc.jetstream(), update=True, replicas=replicas)
            except Exception:  # no JetStream meta leader yet
                return False
            return True

        await eventually(declared, timeout=60, interval=0.5)


@asynccontextmanager
async def ops_connection(cluster: NatsCluster) -> AsyncIterator[Client]:
    """An operator's connection to whichever server answers."""
    options = NatsServers.parse(cluster.nats_url("ops")).connect_options()
    nc = await nats.connect(**options, connect_timeout=2, reconnect_time_wait=0.2)
    try:
        yield nc
    finally:
        await nc.close()


async def stream_leader(nc: Client, stream: str) -> str:
    """The server leading ``stream`` now (waits while it has none)."""

    async def leader() -> str | None:
        try:
            info = await nc.jetstream(timeout=2).stream_info(stream)
        except Exception:  # no leader to answer right now
            return None
        return info.cluster.leader if info.cluster else None

    return str(await eventually(leader, timeout=60, interval=0.2))


async def caught_up(nc: Client, stream: str, name: str) -> None:
    """Wait until ``name`` is a current replica (or the leader) of ``stream`` again."""

    async def current() -> bool:
        try:
            info = await nc.jetstream(timeout=2).stream_info(stream)
        except Exception:  # no leader to answer right now
            return False
        if info.cluster is None:
            return False
        if info.cluster.leader == name:
            return True
        return any(
            peer.name == name and peer.current and not peer.offline
            for peer in info.cluster.replicas or []
        )

    await eventually(current, timeout=60, interval=0.2)
