"""Fixtures of scheduling's service tests: intake and scheduling on real NATS and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import httpx
import pytest
from intake.app import service as intake
from ontour.testing.delivery import wait_caught_up
from ontour.testing.plugin import copy_database, eventually, reset_streams, running_service, scalar
from scheduling import handlers
from scheduling.app import service as scheduling

Services = tuple[httpx.AsyncClient, httpx.AsyncClient]

# Per pytest worker and PostgreSQL server: the databases of intake and scheduling right after
# their first start together, kept unused as templates.
_first_start: dict[str, tuple[str, str]] = {}
_ALL_SENT = "SELECT count(*) = 0 FROM outbox WHERE sent_at IS NULL"


@asynccontextmanager
async def running(intake_url: str, scheduling_url: str, **common: Any) -> AsyncIterator[Services]:
    async with (
        running_service(intake, database_url=intake_url, **common) as intake_api,
        running_service(
            scheduling, database_url=scheduling_url, planner_time_limit_seconds=5, **common
        ) as scheduling_api,
    ):
        yield intake_api, scheduling_api


async def first_start(
    postgres_server_url: str, database_url: Any, **common: Any
) -> tuple[str, str]:
    """Intake and scheduling started once on empty databases, over NATS: intake loads the
    shipped register (354 organisations) and scheduling processes every one of its events.
    That took 2.6 s of CPU, so it happens once; each test starts on copies of the result."""
    if postgres_server_url not in _first_start:
        urls = database_url("first_intake"), database_url("first_scheduling")
        async with running(*urls, **common) as (intake_api, scheduling_api):
            await wait_caught_up(
                handlers.requests,
                producer=intake_api.app.state.runtime.sessions,
                sessions=scheduling_api.app.state.runtime.sessions,
            )
            # And marked sent: a copy must not publish the register again.
            await eventually(partial(scalar, intake_api, _ALL_SENT))
        await reset_streams(common["nats_url"])  # each test starts with clean streams
        _first_start[postgres_server_url] = urls
    return _first_start[postgres_server_url]


@pytest.fixture
async def services(
    nats_url: str, database_url: Any, idp_url: str, bearer: Any, postgres_server_url: str
) -> AsyncIterator[Services]:
    """(intake, scheduling) as the demo coordinator; scheduling consumes intake's events.

    Both start as after their first start: intake has the shipped register, all published,
    and scheduling has processed it (intake's outbox and scheduling's inbox agree, so
    ``wait_caught_up`` counts the register too); the streams are empty."""
    common = {"nats_url": nats_url, "idp_url": idp_url, "headers": bearer("coordinator")}
    intake_template, scheduling_template = await first_start(
        postgres_server_url, database_url, **common
    )
    intake_url, scheduling_url = database_url("intake"), database_url("scheduling")
    await copy_database(intake_template, intake_url)
    await copy_database(scheduling_template, scheduling_url)
    async with running(intake_url, scheduling_url, **common) as both:
        yield both
