"""While PostgreSQL or NATS is away, a request that needs it gets 503 problem+json in Dutch
with Retry-After, never a 500, and readiness turns red and green again by itself.

Aftercare is the hardest case: besides its database it needs NATS to read a case, because
its case keys live in a NATS key-value bucket. Real servers, really stopped and started."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
import pytest
from aftercare.app import service as aftercare
from backbone_support import AFTERCARE_REQUEST, ANONYMOUS
from ontour.db import create_engine, ensure_database
from ontour.outages import DATABASE, unavailable_part
from ontour.testing.plugin import NatsServer, PostgresServer, eventually, running_service
from sqlalchemy import text

API = "/aftercare/api/v1"
READY = "/aftercare/health/ready"
Call = Callable[[], Awaitable[httpx.Response]]


def assert_unavailable(response: httpx.Response, part: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert problem["title"] == "Dienst niet beschikbaar"
    assert part in problem["detail"]


async def stop_postgres_under_a_query(server: PostgresServer, database: str) -> None:
    """Stop PostgreSQL while a query is under way (the 500s of a restart under load): the
    driver's error counts as the database being away."""
    engine = create_engine(database)
    try:
        async with engine.connect() as under_way:
            await under_way.execute(text("SELECT 1"))
            server.stop()
            with pytest.raises(Exception) as broken:
                await under_way.execute(text("SELECT 1"))
    except Exception:  # closing a broken connection may fail too
        pass
    finally:
        await engine.dispose()
    assert unavailable_part(broken.value) == DATABASE, repr(broken.value)


async def test_outages_answer_503_with_retry_after_and_readiness_recovers(
    nats_server: NatsServer, postgres_server: PostgresServer, idp_url, bearer
) -> None:
    database = postgres_server.database_url("aftercare")
    await ensure_database(database)  # the service migrates it itself
    async with running_service(
        aftercare,
        nats_url=nats_server.url,
        database_url=database,
        idp_url=idp_url,
        headers=bearer("coordinator"),
    ) as api:

        def ask() -> Awaitable[httpx.Response]:
            return api.post(f"{API}/verzoeken", json=AFTERCARE_REQUEST, headers=ANONYMOUS)

        assert (await ask()).status_code == 201
        [case] = (await api.get(f"{API}/verzoeken")).json()["items"]
        case_url = f"{API}/verzoeken/{case['id']}"

        def read_case() -> Awaitable[httpx.Response]:
            return api.get(case_url)

        def list_cases() -> Awaitable[httpx.Response]:
            return api.get(f"{API}/verzoeken")

        async def ready() -> bool:
            return (await api.get(READY)).status_code == 200

        async def away(
            stop: Callable[[], Awaitable[None]],
            start: Callable[[], None],
            calls: list[Call],
            part: str,
            readiness_names: str,
        ) -> None:
            await stop()
            for call in calls:
                assert_unavailable(await call(), part)
            assert_unavailable(await api.get(READY), readiness_names)
            start()
            await eventually(ready, timeout=60)
            assert (await read_case()).status_code == 200

        async def stop_nats() -> None:
            nats_server.stop()

        # NATS away: reading a case needs its key, a new request a new key.
        await away(stop_nats, nats_server.start, [read_case, ask], "berichtensysteem", "broker")

        async def stop_postgres() -> None:
            await stop_postgres_under_a_query(postgres_server, database)

        calls = [list_cases, read_case, ask]
        await away(stop_postgres, postgres_server.start, calls, "database", "database")
        assert len((await list_cases()).json()["items"]) == 1
