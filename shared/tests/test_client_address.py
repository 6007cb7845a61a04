"""The client's address comes from the trusted proxy's hop only, never from the client."""

from __future__ import annotations

import pytest
from ontour.client_address import client_address
from ontour.web.caller import origin_of
from starlette.requests import Request

CADDY = "127.0.0.1"


def request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "headers": headers, "client": (peer, 50000)})


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        (CADDY, ["203.0.113.7"], "203.0.113.7"),  # Caddy added the address it saw
        (CADDY, ["6.6.6.6, 203.0.113.7"], "203.0.113.7"),  # the client's own entry: ignored
        (CADDY, ["6.6.6.6", "203.0.113.7"], "203.0.113.7"),  # also over two header lines
        (CADDY, ["203.0.113.7, 127.0.0.1"], "203.0.113.7"),  # trusted hops are skipped
        (CADDY, ["[2001:db8::1]:443"], "2001:db8::1"),
        (CADDY, [], CADDY),  # no header: the proxy itself
        ("198.51.100.4", ["6.6.6.6"], "198.51.100.4"),  # not from the proxy: header ignored
    ],
)
def test_the_rightmost_untrusted_hop_is_the_client(peer, forwarded, expected):
    assert client_address(request(peer, *forwarded), CADDY) == expected


def test_trusted_proxies_are_addresses_or_networks():
    spoofed = request("10.1.2.3", "6.6.6.6, 203.0.113.7, 10.1.2.9")
    assert client_address(spoofed, "10.1.2.0/24") == "203.0.113.7"
    assert client_address(spoofed, "127.0.0.1") == "10.1.2.3"


def test_the_audit_origin_uses_the_same_address():
    assert origin_of(request(CADDY, "6.6.6.6, 203.0.113.7")) == "203.0.113.7"
