"""Fixtures of intake's tests: the service in this process against real NATS and PostgreSQL."""

from __future__ import annotations

import pytest
from intake.app import service as intake
from ontour.testing.plugin import running_service


@pytest.fixture
def intake_db(database_url):
    return database_url("intake")


@pytest.fixture
async def api(nats_url, intake_db, idp_url, bearer):
    """Intake as the demo coordinator (pass other ``headers=`` per request for other roles)."""
    async with running_service(
        intake,
        nats_url=nats_url,
        database_url=intake_db,
        idp_url=idp_url,
        headers=bearer("coordinator"),
    ) as client:
        yield client
