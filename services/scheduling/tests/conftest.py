"""Fixtures of scheduling's service tests: intake and scheduling on real NATS and PostgreSQL."""

from __future__ import annotations

import pytest
from intake.app import service as intake
from ontour.testing.plugin import running_service
from scheduling.app import service as scheduling


@pytest.fixture
async def services(nats_url, database_url, idp_url, bearer):
    """(intake, scheduling) as the demo coordinator; scheduling consumes intake's events."""
    common = {"nats_url": nats_url, "idp_url": idp_url, "headers": bearer("coordinator")}
    async with (
        running_service(intake, database_url=database_url("intake"), **common) as intake_api,
        running_service(
            scheduling,
            database_url=database_url("scheduling"),
            planner_time_limit_seconds=5,
            **common,
        ) as scheduling_api,
    ):
        yield intake_api, scheduling_api
