"""Cross-service tests: the whole system as separate processes behind Caddy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ontour.devstack.idp import SUBJECT_FOR_ROLE, fetch_id_token
from ontour.devstack.servers import free_port, start_nats
from ontour.devstack.stack import Stack, service_names


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str) -> Iterator[Stack]:
    """All services and Caddy, started by the same code as ``make up``, on free ports."""
    home: Path = tmp_path_factory.mktemp("ontour")
    nats_port = free_port()
    nats = start_nats(home / "nats", nats_port, home / "logs" / "nats.log")
    nats_url = f"nats://127.0.0.1:{nats_port}"
    running = Stack(
        home=home,
        http_port=free_port(),
        nats_url=nats_url,
        database_server_url=postgres_server_url,
        service_ports={name: free_port() for name in service_names()},
        metrics_ports={name: free_port() for name in service_names()},
        idp_port=free_port(),
        frontdoor_port=free_port(),
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


@pytest.fixture(scope="session")
def as_role(stack: Stack):
    """``as_role("coordinator")``: Authorization headers from the stack's development IdP."""
    cache: dict[str, dict[str, str]] = {}

    def headers(role: str) -> dict[str, str]:
        if role not in cache:
            token = fetch_id_token(stack.issuer, SUBJECT_FOR_ROLE[role])
            cache[role] = {"Authorization": f"Bearer {token}"}
        return cache[role]

    return headers
