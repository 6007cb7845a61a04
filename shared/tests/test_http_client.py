"""Outgoing HTTP: one TLS context per process, not one per client (ontour.http_client)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from ontour import http_client
from ontour.devstack.servers import free_port
from ontour.devstack.stack import Stack


@pytest.fixture
def contexts_built(monkeypatch: pytest.MonkeyPatch) -> list[ssl.SSLContext]:
    """Every verifying TLS context built from now on (each loads the whole CA bundle)."""
    built: list[ssl.SSLContext] = []
    original = ssl.create_default_context

    def counted(*args, **kwargs) -> ssl.SSLContext:
        built.append(original(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(ssl, "create_default_context", counted)
    http_client.tls_context.cache_clear()
    return built


async def test_clients_share_one_tls_context(contexts_built):
    with http_client.client() as first, http_client.client(timeout=1.0) as second:
        async with http_client.async_client() as third:
            assert first and second and third
    assert len(contexts_built) == 1


def test_waiting_for_a_stack_builds_one_tls_context_however_often_it_asks(
    contexts_built, tmp_path: Path
):
    # Nothing listens on the port, so every check fails until the wait gives up: several
    # checks, each of which used to build a context of its own (a CPU core's worth of work
    # for every test worker waiting on its stack).
    stack = Stack(tmp_path, http_port=free_port())
    with pytest.raises(TimeoutError, match="niet gereed binnen"):
        stack._wait_ready(["intake", "reporting"], timeout=1.0)
    assert len(contexts_built) == 1
