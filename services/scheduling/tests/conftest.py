"""Fixtures of scheduling's service tests: intake and scheduling on real NATS and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import pytest
from intake.app import service as intake
from ontour.testing.delivery import wait_caught_up
from ontour.testing.plugin import (
    copies_of_first_start,
    reset_streams,
    running_service,
    wait_outbox_sent,
)
from scheduling import handlers
from scheduling.app import service as scheduling

# The clients of running_service (their .app is the service's application).
Services = tuple[Any, Any]


@asynccontextmanager
async def running(intake_url: str, scheduling_url: str, **common: Any) -> AsyncIterator[Services]:
    async with (
        running_service(intake, database_url=intake_url, **common) as intake_api,
        running_service(
            scheduling, database_url=scheduling_url, planner_time_limit_seconds=5, **common
        ) as scheduling_api,
    ):
        yield intake_api, scheduling_api


async def first_start(urls: tuple[str, ...], **common: Any) -> None:
    """Intake and scheduling on empty databases, over NATS: intake loads the shipped register
    (354 organisations) and scheduling processes every one of its events. That took 2.6 s of
    CPU per test, so it happens once per worker; the tests start on copies of the result."""
    intake_url, scheduling_url = urls
    async with running(intake_url, scheduling_url, **common) as (intake_api, scheduling_api):
        await wait_caught_up(
            handlers.requests,
            producer=intake_api.app.state.runtime.sessions,
            sessions=scheduling_api.app.state.runtime.sessions,
        )
        await wait_outbox_sent(intake_api)  # a copy must not publish the register again
    await reset_streams(common["nats_url"])


@pytest.fixture
async def services(
    nats_url: str, database_url: Any, idp_url: str, bearer: Any
) -> AsyncIterator[Services]:
    """(intake, scheduling) as the demo coordinator; scheduling consumes intake's events.

    Both start as after their first start: intake has the shipped register, all published,
    and scheduling has processed it (intake's outbox and scheduling's inbox agree, so
    ``wait_caught_up`` counts the register too); the streams are empty."""
    common = {"nats_url": nats_url, "idp_url": idp_url, "headers": bearer("coordinator")}
    intake_url, scheduling_url = await copies_of_first_start(
        "intake+scheduling", database_url, ("intake", "scheduling"), partial(first_start, **common)
    )
    async with running(intake_url, scheduling_url, **common) as both:
        yield both
