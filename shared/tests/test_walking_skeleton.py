"""The walking skeleton in one process: intake records, reporting counts, via real NATS."""

from __future__ import annotations

from intake.app import service as intake
from ontour.testing.plugin import eventually, running_service
from reporting.app import service as reporting

VOORGESPREK = {"organisation_code": "GM0014", "held_on": "2025-03-01", "mode": "fysiek"}


async def test_a_held_voorgesprek_is_counted_by_reporting(nats_url, database_url, idp_url, bearer):
    async with (
        running_service(
            intake,
            nats_url=nats_url,
            idp_url=idp_url,
            headers=bearer("coordinator"),
            database_url=database_url("intake"),
        ) as api,
        running_service(
            reporting,
            nats_url=nats_url,
            idp_url=idp_url,
            headers=bearer("coordinator"),
            database_url=database_url("reporting"),
        ) as stats,
    ):
        created = await api.post("/intake/api/v1/voorgesprekken", json=VOORGESPREK)
        assert created.status_code == 201, created.text
        assert created.headers["location"].endswith(created.json()["id"])

        async def counted():
            response = await stats.get("/reporting/api/v1/statistieken/voorgesprekken")
            return response.json()["gehouden"] == 1

        await eventually(counted, timeout=5)
        fetched = await api.get(created.headers["location"])
        assert fetched.json()["organisation_code"] == "GM0014"
