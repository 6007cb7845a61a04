"""The public form's limit holds against spoofed X-Forwarded-For, and its memory is bounded."""

from __future__ import annotations

from aftercare.app import service as aftercare
from aftercare.ratelimit import RateLimiter, client_of
from ontour.testing.plugin import running_service
from starlette.requests import Request

API = "/aftercare/api/v1"
REQUEST = {
    "role": "raadslid",
    "incident_categories": ["online intimidatie"],
    "story": "Berichten",
    "contact_modes": ["telefoon"],
    "name": "Els Raadslid",
    "phone": "+31 6 12345678",
    "consent_handling": True,
}


def request(peer: str, forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())]
    return Request({"type": "http", "headers": headers, "client": (peer, 50000)})


def test_a_client_cycling_forwarded_values_is_still_limited():
    limiter = RateLimiter(per_window=3)
    allowed = [
        limiter.allow(client_of(request("127.0.0.1", f"10.0.{n}.1, 203.0.113.7")), now=float(n))
        for n in range(20)
    ]
    assert allowed == [True] * 3 + [False] * 17
    assert len(limiter) == 1


def test_ipv6_clients_count_per_64():
    first = client_of(request("127.0.0.1", "2001:db8:1:2::1"))
    assert first == client_of(request("127.0.0.1", "2001:db8:1:2:ffff::9"))
    assert first != client_of(request("127.0.0.1", "2001:db8:1:3::1"))


def test_empty_windows_are_removed_and_memory_stays_bounded():
    limiter = RateLimiter(per_window=2, window_seconds=10.0, max_clients=100)
    for n in range(1000):
        limiter.allow(f"192.0.2.{n % 250}-{n}", now=n * 0.001)
    assert len(limiter) == 100  # the longest-quiet clients went first
    limiter.allow("198.51.100.1", now=20.0)  # every earlier window has expired
    assert len(limiter) == 1


async def test_the_form_limits_a_client_that_spoofs_the_header(nats_url, database_url, idp_url):
    async with running_service(
        aftercare,
        nats_url=nats_url,
        database_url=database_url("aftercare"),
        idp_url=idp_url,
        requests_per_client_per_hour=2,
    ) as client:
        statuses = []
        for n in range(4):  # Caddy appends the address it saw after the client's own value
            headers = {"X-Forwarded-For": f"10.9.{n}.1, 203.0.113.7"}
            response = await client.post(f"{API}/verzoeken", json=REQUEST, headers=headers)
            statuses.append(response.status_code)
        assert statuses == [201, 201, 429, 429]
