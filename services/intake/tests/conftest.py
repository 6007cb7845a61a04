"""Fixtures of intake's tests: the service in this process against real NATS and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import httpx
import pytest
from intake.app import service as intake
from ontour.testing.plugin import (
    copies_of_first_start,
    reset_streams,
    running_service,
    wait_outbox_sent,
)


async def first_start(urls: tuple[str, ...], *, nats_url: str, idp_url: str) -> None:
    """Intake on an empty database: it loads the shipped register (354 organisations) and
    publishes its events. Once per worker; the tests of ``api`` start on copies of it."""
    [url] = urls
    async with running_service(intake, database_url=url, nats_url=nats_url, idp_url=idp_url) as api:
        await wait_outbox_sent(api)  # a copy must not publish the register again
    await reset_streams(nats_url)


@pytest.fixture
async def intake_db(database_url: Any, nats_url: str, idp_url: str) -> str:
    """Intake's database as after its first start: the shipped register loaded and
    published (its 354 events in the outbox, sent); the streams are empty."""
    start = partial(first_start, nats_url=nats_url, idp_url=idp_url)
    [url] = await copies_of_first_start("intake", database_url, ("intake",), start)
    return url


@pytest.fixture
async def api(
    nats_url: str, intake_db: str, idp_url: str, bearer: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """Intake as the demo coordinator (pass other ``headers=`` per request for other roles)."""
    async with running_service(
        intake,
        nats_url=nats_url,
        database_url=intake_db,
        idp_url=idp_url,
        headers=bearer("coordinator"),
    ) as client:
        yield client
