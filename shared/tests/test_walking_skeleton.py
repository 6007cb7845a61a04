"""The walking skeleton in one process: intake records, reporting counts, via real NATS."""

from __future__ import annotations

from backbone_support import VOORGESPREK, held_count, intake_and_reporting, reporting_caught_up


async def test_a_held_voorgesprek_is_counted_by_reporting(nats_url, database_url, idp_url, bearer):
    async with intake_and_reporting(nats_url, database_url, idp_url, bearer("coordinator")) as (
        api,
        stats,
    ):
        created = await api.post("/intake/api/v1/voorgesprekken", json=VOORGESPREK)
        assert created.status_code == 201, created.text
        assert created.headers["location"].endswith(created.json()["id"])

        await reporting_caught_up(api, stats)
        assert await held_count(stats) == 1
        fetched = await api.get(created.headers["location"])
        assert fetched.json()["organisation_code"] == "GM0014"
