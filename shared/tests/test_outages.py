"""While PostgreSQL or NATS is away, a request that needs it gets 503 problem+json in Dutch
with Retry-After, never a 500, and readiness turns red and green again by itself.

Aftercare is the hardest case: besides its database it needs NATS to read a case, because
its case keys live in a NATS key-value bucket. Real servers, really stopped and started."""

from __future__ import annotations

import httpx
import pytest
from aftercare.app import service as aftercare
from ontour.db import create_engine, ensure_database
from ontour.outages import DATABASE, unavailable_part
from ontour.testing.plugin import NatsServer, PostgresServer, eventually, running_service
from sqlalchemy import text

API = "/aftercare/api/v1"
READY = "/aftercare/health/ready"
REQUEST = {
    "role": "raadslid",
    "incident_categories": ["online intimidatie"],
    "story": "Berichten na een raadsvergadering",
    "organisation_code": "GM0344",
    "contact_modes": ["telefoon"],
    "name": "Els Raadslid",
    "phone": "+31 6 12345678",
    "consent_handling": True,
    "consent_share_with_peer": True,
    "consent_statistics": True,
}
ANONYMOUS = {"Authorization": ""}


def assert_unavailable(response: httpx.Response, part: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    problem = response.json()
    assert problem["title"] == "Dienst niet beschikbaar"
    assert part in problem["detail"]


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
        created = await api.post(f"{API}/verzoeken", json=REQUEST, headers=ANONYMOUS)
        assert created.status_code == 201, created.text
        [case] = (await api.get(f"{API}/verzoeken")).json()
        case_url = f"{API}/verzoeken/{case['id']}"
        assert (await api.get(case_url)).status_code == 200

        async def ready() -> bool:
            return (await api.get(READY)).status_code == 200

        # NATS away: reading a case needs its key, a new request a new key.
        nats_server.stop()
        assert_unavailable(await api.get(case_url), "berichtensysteem")
        assert_unavailable(
            await api.post(f"{API}/verzoeken", json=REQUEST, headers=ANONYMOUS), "berichtensysteem"
        )
        assert_unavailable(await api.get(READY), "broker")
        nats_server.start()
        await eventually(ready, timeout=60)
        assert (await api.get(case_url)).status_code == 200

        # PostgreSQL away: every read and write of a case, and a query under way when it
        # went (the 500s of a restart under load).
        engine = create_engine(database)
        try:
            async with engine.connect() as under_way:
                await under_way.execute(text("SELECT 1"))
                postgres_server.stop()
                with pytest.raises(Exception) as broken:
                    await under_way.execute(text("SELECT 1"))
        except Exception:  # closing a broken connection may fail too
            pass
        finally:
            await engine.dispose()
        assert unavailable_part(broken.value) == DATABASE, repr(broken.value)
        assert_unavailable(await api.get(f"{API}/verzoeken"), "database")
        assert_unavailable(await api.get(case_url), "database")
        assert_unavailable(
            await api.post(f"{API}/verzoeken", json=REQUEST, headers=ANONYMOUS), "database"
        )
        assert_unavailable(await api.get(READY), "database")
        postgres_server.start()
        await eventually(ready, timeout=60)
        assert (await api.get(case_url)).status_code == 200
        assert len((await api.get(f"{API}/verzoeken")).json()) == 1
