"""Cross-service tests: the whole system as separate processes behind Caddy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from ontour.devstack.idp import SUBJECT_FOR_ROLE, fetch_id_token
from ontour.devstack.servers import free_port, start_nats
from ontour.devstack.stack import Stack, service_names


@contextmanager
def stack_on_free_ports(home: Path, postgres_server_url: str, **fields: Any) -> Iterator[Stack]:
    """Services (all, or ``services=...``), Caddy and their own nats-server, started by the
    same code as ``make up``, on free ports; stopped on leaving."""
    nats_port = free_port()
    nats = start_nats(home / "nats", nats_port, home / "logs" / "nats.log")
    running = Stack(
        home=home,
        http_port=free_port(),
        nats_url=f"nats://127.0.0.1:{nats_port}",
        database_server_url=postgres_server_url,
        service_ports={name: free_port() for name in service_names()},
        metrics_ports={name: free_port() for name in service_names()},
        idp_port=free_port(),
        frontdoor_port=free_port(),
        environment="test",
        # Several stacks start at once on two shared cores (pytest-xdist): a bound for a part
        # that never gets ready, not a start-up target.
        **{"ready_timeout": 300.0, **fields},
    )
    try:
        running.start()
        yield running
    finally:
        running.stop()
        nats.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, postgres_server_url: str) -> Iterator[Stack]:
    """The whole system for the suite."""
    with stack_on_free_ports(tmp_path_factory.mktemp("ontour"), postgres_server_url) as running:
        yield running


@pytest.fixture(scope="session")
def start_stack(postgres_server_url: str) -> Callable[..., AbstractContextManager[Stack]]:
    """``with start_stack(home, services=(...)) as other:`` a stack beside the suite's own."""
    return partial(stack_on_free_ports, postgres_server_url=postgres_server_url)


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
