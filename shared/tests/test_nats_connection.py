"""ontour.messaging.connection: one NATS URL or a cluster's, the credentials as options.

The cluster behaviour itself (reconnecting to a server the client only discovered, leaving a
frozen server) is proven against three real servers in tests/deploy/test_nats_cluster_faults.py."""

from __future__ import annotations

import pytest
from faststream.nats.security import NatsUserPassword
from ontour.messaging.connection import MAX_OUTSTANDING_PINGS, PING_INTERVAL_SECONDS, NatsServers


def test_a_cluster_url_list_becomes_plain_servers_and_one_user() -> None:
    servers = NatsServers.parse(
        "nats://intake:p%40ss@nats-1:4222, nats://intake:p%40ss@nats-2:4222,"
        "nats://intake:p%40ss@nats-3:4222"
    )
    assert servers.urls == ["nats://nats-1:4222", "nats://nats-2:4222", "nats://nats-3:4222"]
    options = servers.connect_options()
    assert (options["user"], options["password"]) == ("intake", "p@ss")
    assert options["ping_interval"] == PING_INTERVAL_SECONDS
    assert options["max_outstanding_pings"] == MAX_OUTSTANDING_PINGS
    security = servers.broker_options()["security"]
    assert isinstance(security, NatsUserPassword)
    assert (security.username, security.password) == ("intake", "p@ss")


def test_one_server_without_credentials_stays_as_it_is() -> None:
    servers = NatsServers.parse("nats://127.0.0.1:14222")
    assert servers.connect_options()["servers"] == ["nats://127.0.0.1:14222"]
    assert "user" not in servers.connect_options()
    assert "security" not in servers.broker_options()


@pytest.mark.parametrize(
    "url", ["", " , ", "nats://a:x@n1:4222,nats://b:y@n2:4222"], ids=["empty", "commas", "mixed"]
)
def test_an_unusable_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        NatsServers.parse(url)
