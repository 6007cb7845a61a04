"""The register of organisations: loaded once on first start, and read through the API."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from intake.app import service as intake
from intake.reference_data import load_register
from intake.registration import load_shipped_register
from ontour.contracts.intake import OrganisatieGeregistreerd
from ontour.db import create_engine, ensure_database, migrate, session_factory
from ontour.testing.plugin import events_on_bus, running_service, scalar
from sqlalchemy import text

API = "/intake/api/v1/organisaties"


async def test_first_start_loads_the_register_once(nats_url, database_url, idp_url, bearer):
    url = database_url("intake")
    start = {
        "nats_url": nats_url,
        "database_url": url,
        "idp_url": idp_url,
        "headers": bearer("coordinator"),
    }
    async with running_service(intake, **start) as api:
        gemeenten = (await api.get(API, params={"type": "gemeente", "per_pagina": 1})).json()
        provincies = (await api.get(API, params={"type": "provincie", "per_pagina": 1})).json()
        assert (gemeenten["total"], provincies["total"]) == (342, 12)
        events = await events_on_bus(nats_url, OrganisatieGeregistreerd.nats_subject(), 354)
        assert len(events) == 354
        assert len({event["subject"] for event in events}) == 354
        groningen = next(e for e in events if e["subject"] == "GM0014")
        assert groningen["type"] == OrganisatieGeregistreerd.event_type()
        assert groningen["data"] == {
            "organisation_code": "GM0014",
            "kind": "gemeente",
            "province_code": "PV20",
            "valid_from": None,
            "organisation_name": "Groningen",
            "lat": groningen["data"]["lat"],
            "lon": groningen["data"]["lon"],
        }
        assert 53.0 < groningen["data"]["lat"] < 53.4 and 6.4 < groningen["data"]["lon"] < 6.8

    async with running_service(intake, **start) as api:
        assert (await api.get(API)).json()["total"] == 354
        assert await scalar(api, "SELECT count(*) FROM outbox") == 354


async def test_two_replicas_starting_together_load_the_register_once(database_url):
    url = database_url("intake")
    await ensure_database(url)
    engine = create_engine(url)
    try:
        await migrate(engine, intake.migrations)
        replica = SimpleNamespace(sessions=session_factory(engine))
        await asyncio.gather(*(load_shipped_register(replica) for _ in range(3)))  # type: ignore[arg-type]
        async with replica.sessions() as session:
            counts = await session.execute(
                text("SELECT (SELECT count(*) FROM organisation), (SELECT count(*) FROM outbox)")
            )
            assert tuple(counts.one()) == (354, 354)
    finally:
        await engine.dispose()


async def test_filters_by_province_kind_and_status(api):
    expected = {o.cbs_code for o in load_register() if o.province_code == "PV20"}
    page = (await api.get(API, params={"provincie": "PV20", "per_pagina": 100})).json()
    assert {item["cbs_code"] for item in page["items"]} == expected
    assert page["total"] == len(expected)

    page = (await api.get(API, params={"provincie": "PV20", "type": "provincie"})).json()
    assert [item["cbs_code"] for item in page["items"]] == ["PV20"]

    assert (await api.get(API, params={"tour_status": "niet benaderd"})).json()["total"] == 354
    assert (await api.get(API, params={"tour_status": "sessie gepland"})).json()["total"] == 0


async def test_searches_names_case_insensitively(api):
    page = (await api.get(API, params={"zoek": "GRONINGEN"})).json()
    assert {"GM0014", "PV20"} <= {item["cbs_code"] for item in page["items"]}
    assert all("groningen" in item["name"].lower() for item in page["items"])
    # LIKE wildcards are searched for literally, not as wildcards.
    assert (await api.get(API, params={"zoek": "%"})).json()["total"] == 0
    assert (await api.get(API, params={"zoek": "_"})).json()["total"] == 0


async def test_pages_through_the_register_with_links(api):
    first = (await api.get(API, params={"per_pagina": 100})).json()
    assert len(first["items"]) == 100 and first["total"] == 354
    assert first["links"]["prev"] is None
    assert "pagina=2" in first["links"]["next"]["href"]
    assert "pagina=4" in first["links"]["last"]["href"]
    assert "per_pagina=100" in first["links"]["next"]["href"]

    last = (await api.get(first["links"]["last"]["href"])).json()
    assert len(last["items"]) == 54
    assert last["links"]["next"] is None
    assert "pagina=3" in last["links"]["prev"]["href"]

    names = [item["name"] for item in first["items"]]
    assert names == sorted(names)
    assert (await api.get(API, params={"pagina": 99})).json()["items"] == []


async def test_one_organisation_by_code(api):
    response = await api.get(f"{API}/GM0014")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Groningen"
    assert body["kind"] == "gemeente"
    assert body["province_code"] == "PV20"
    assert body["tour_status"] == "niet benaderd"
    assert body["version"] == 1
    assert body["valid_until"] is None


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"{API}/GM9999", 404),
        (f"{API}/XX12", 422),
        (f"{API}/gm0014", 422),
        (f"{API}?per_pagina=101", 422),
        (f"{API}?pagina=0", 422),
        (f"{API}?type=waterschap", 422),
        (f"{API}?provincie=Utrecht", 422),
        (f"{API}?tour_status=onbekend", 422),
        (f"{API}?zoek=%00", 422),
        (f"{API}?zoek=a%01b", 422),
    ],
)
async def test_bad_requests_are_problems(api, path, status):
    response = await api.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status


@pytest.mark.parametrize(("role", "status"), [("teamlid", 200), ("ministerie", 403)])
async def test_who_may_read_the_register(api, bearer, role, status):
    for path in (API, f"{API}/GM0014"):
        assert (await api.get(path, headers=bearer(role))).status_code == status
