"""Cross-service tests: the whole system as separate processes behind Caddy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from ontour.devstack.idp import SUBJECT_FOR_ROLE, fetch_id_token
from ontour.devstack.servers import free_port, start_nats
from ontour.devstack.stack import Stack, service_names
from ontour.testing.plugin import when_whole_system_tests_end


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


class WorkerStack:
    """This worker's whole system, shared by its whole-system tests: started by the first one
    that needs it, stopped when the worker moves on to the other tests (they come after all
    of these), and started anew, on fresh databases, should one still come."""

    def __init__(self, config: pytest.Config, homes: pytest.TempPathFactory, server: str) -> None:
        self._config, self._homes, self._server = config, homes, server
        self._running = ExitStack()
        self._stack: Stack | None = None
        self._starts = 0

    def get(self) -> Stack:
        if self._stack is None:
            self._starts += 1
            prefix = "" if self._starts == 1 else f"again{self._starts}_"
            home = self._homes.mktemp("ontour")
            running = stack_on_free_ports(home, self._server, database_prefix=prefix)
            self._stack = self._running.enter_context(running)
            when_whole_system_tests_end(self._config, self.stop)
        return self._stack

    def stop(self) -> None:
        self._stack = None
        self._running.close()


@pytest.fixture(scope="session")
def worker_stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server_url: str,
) -> Iterator[WorkerStack]:
    pool = WorkerStack(request.config, tmp_path_factory, postgres_server_url)
    try:
        yield pool
    finally:
        pool.stop()


@pytest.fixture(scope="module")
def stack(worker_stack: WorkerStack) -> Stack:
    """The whole system (this worker's, shared with its other whole-system tests)."""
    return worker_stack.get()


@pytest.fixture(scope="session")
def start_stack(postgres_server_url: str) -> Callable[..., AbstractContextManager[Stack]]:
    """``with start_stack(home, services=(...)) as other:`` a stack beside the suite's own."""
    return partial(stack_on_free_ports, postgres_server_url=postgres_server_url)


@pytest.fixture(scope="module")
def base_url(stack: Stack) -> str:
    return f"http://127.0.0.1:{stack.http_port}"


@pytest.fixture(scope="module")
def as_role(stack: Stack):
    """``as_role("coordinator")``: Authorization headers from the stack's development IdP."""
    cache: dict[str, dict[str, str]] = {}

    def headers(role: str) -> dict[str, str]:
        if role not in cache:
            token = fetch_id_token(stack.issuer, SUBJECT_FOR_ROLE[role])
            cache[role] = {"Authorization": f"Bearer {token}"}
        return cache[role]

    return headers
