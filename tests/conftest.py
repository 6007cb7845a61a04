"""Cross-service tests: the whole system as separate processes behind Caddy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ontour.devstack.servers import free_port, start_nats
from ontour.devstack.stack import Stack, service_names


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str) -> Iterator[Stack]:
    """All services and Caddy, started by the same code as ``make up``, on free ports."""
    home: Path = tmp_path_factory.mktemp("ontour")
    nats = start_nats(home / "nats", free_port(), home / "logs" / "nats.log")
    nats_url = f"nats://127.0.0.1:{nats.popen.args[4]}"
    running = Stack(
        home=home,
        http_port=free_port(),
        nats_url=nats_url,
        database_server_url=postgres_server_url,
        service_ports={name: free_port() for name in service_names()},
        environment="test",
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()
        nats.stop()


@pytest.fixture(scope="session")
def base_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.http_port}"
