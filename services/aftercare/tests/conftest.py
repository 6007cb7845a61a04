"""Aftercare's service for the page tests, as a coordinator sees it, with Tom as a peer."""

from __future__ import annotations

import pytest
from aftercare.app import service as aftercare
from ontour.testing.plugin import running_service


@pytest.fixture
async def site(nats_url, database_url, idp_url, bearer):
    async with running_service(
        aftercare,
        nats_url=nats_url,
        database_url=database_url("aftercare"),
        idp_url=idp_url,
        headers={**bearer("coordinator"), "Accept": "text/html"},
        session_cookie_secure=False,  # the test client speaks plain http: keep the CSRF cookie
    ) as client:
        await client.post(
            "/aftercare/api/v1/peers",
            json={"id": "tom.teamlid", "name": "Tom Bakker", "background": "oud-wethouder",
                  "gender": "man"},
            headers={"Accept": "application/json"},
        )  # fmt: skip
        yield client
