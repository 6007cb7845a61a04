"""Fixtures of reporting's service tests: the service on real NATS and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from ontour.testing.plugin import running_service
from reporting.app import service as reporting


@pytest.fixture
async def api(
    nats_url: str, database_url: Any, idp_url: str, bearer: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """Reporting as the ministry (pass other ``headers=`` per request for other roles)."""
    async with running_service(
        reporting,
        nats_url=nats_url,
        database_url=database_url("reporting"),
        idp_url=idp_url,
        headers=bearer("ministerie"),
    ) as client:
        yield client
