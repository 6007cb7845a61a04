"""The register of organisations: loaded once on first start, read through the API, and
"niet publiceren" set by a coordinator (with history, carried on every change event)."""

from __future__ import annotations

import asyncio

import pytest
from intake.app import service as intake
from intake.handlers import sessions
from intake.reference_data import load_register
from intake.usecases.register import load_shipped_register
from ontour.contracts.intake import OrganisatieGeregistreerd, OrganisatieGewijzigd
from ontour.contracts.scheduling import SessieGepland
from ontour.db import create_engine, ensure_database, migrate, session_factory
from ontour.testing.delivery import deliver
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
        sessions = session_factory(engine)
        await asyncio.gather(*(load_shipped_register(sessions) for _ in range(3)))
        async with sessions() as session:
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
    assert (await api.get(API, params={"tourStatus": "sessie gepland"})).json()["total"] == 0


async def test_searches_names_case_insensitively(api):
    page = (await api.get(API, params={"zoek": "GRONINGEN"})).json()
    assert {"GM0014", "PV20"} <= {item["cbs_code"] for item in page["items"]}
    assert all("groningen" in item["name"].lower() for item in page["items"])
    # LIKE wildcards are searched for literally, not as wildcards.
    assert (await api.get(API, params={"zoek": "%"})).json()["total"] == 0
    assert (await api.get(API, params={"zoek": "_"})).json()["total"] == 0


async def test_pages_through_the_register_with_links(api):
    first = (await api.get(API, params={"perPagina": 100})).json()
    assert len(first["items"]) == 100 and first["total"] == 354
    assert first["links"]["prev"] is None
    assert "pagina=2" in first["links"]["next"]["href"]
    assert "pagina=4" in first["links"]["last"]["href"]
    assert "perPagina=100" in first["links"]["next"]["href"]
    # The old name still works for a while; the answer says so and links to the new one.
    old = await api.get(API, params={"per_pagina": 100})
    assert old.json()["links"] == first["links"] and "Sunset" in old.headers

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
        (f"{API}?perPagina=101", 422),
        (f"{API}?pagina=0", 422),
        (f"{API}?type=waterschap", 422),
        (f"{API}?provincie=Utrecht", 422),
        (f"{API}?tour_status=onbekend", 422),
        (f"{API}?tourStatus=onbekend", 422),
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


# --- "niet publiceren" ---------------------------------------------------------------------------

CHANGED = OrganisatieGewijzigd.nats_subject()


async def test_a_coordinator_sets_and_clears_not_published_with_history(api, nats_url):
    path = f"{API}/GM0014/publicatie"
    assert (await api.get(f"{API}/GM0014")).json()["not_published"] is False
    note = "op verzoek van de griffie"
    response = await api.put(
        path, json={"not_published": True, "note": note}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200, response.text
    assert response.json()["not_published"] is True and response.json()["version"] == 2
    assert response.headers["ETag"] == '"2"'
    assert (await api.get(f"{API}/GM0014")).json()["not_published"] is True

    # The same value again changes nothing: no version, no history, no event.
    again = await api.put(path, json={"not_published": True, "version": 2})
    assert again.status_code == 200 and again.json()["version"] == 2

    cleared = await api.put(path, json={"not_published": False, "version": 2})
    assert cleared.status_code == 200 and cleared.json()["not_published"] is False
    assert cleared.json()["version"] == 3

    timeline = (await api.get(f"{API}/GM0014/tijdlijn")).json()
    assert [(t["kind"], t["summary"]) for t in timeline] == [
        ("publicatie", "Publicatie: niet publiceren → publiceren"),
        ("publicatie", f"Publicatie: publiceren → niet publiceren ({note})"),
    ]
    assert {t["actor"] for t in timeline} == {"Carla de Vries"}
    changes = "SELECT count(*) FROM audit_log WHERE object_type = 'organisatie'"
    assert await scalar(api, changes) == 2

    events = await events_on_bus(nats_url, CHANGED, 2)
    assert [e["data"] for e in events] == [
        {
            "organisation_code": "GM0014",
            "changed_fields": ["not_published"],
            "valid_until": None,
            "successor_code": None,
            "tour_status": None,
            "not_published": flag,
            "aggression_protocol": None,
            "officials_reporting_point": None,
            "police_liaison": None,
            "domicile_arrangements": None,
        }
        for flag in (True, False)
    ]


async def test_changing_not_published_needs_the_current_version(api):
    path = f"{API}/GM0014/publicatie"
    blind = await api.put(path, json={"not_published": True})
    assert blind.status_code == 428
    assert (await api.put(path, json={"not_published": True, "version": 1})).status_code == 200
    stale = await api.put(path, json={"not_published": False}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409 and stale.headers["ETag"] == '"2"'
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert (await api.get(f"{API}/GM0014")).json()["not_published"] is True


async def test_every_other_change_carries_the_current_flag(api, nats_url):
    """The tour status by hand, by a voorgesprek and by a session: each event says the
    organisation is not to be published."""
    await api.put(f"{API}/GM0344/publicatie", json={"not_published": True, "version": 1})
    by_hand = await api.patch(f"{API}/GM0344", json={"tour_status": "geen interesse", "version": 2})
    assert by_hand.status_code == 200 and by_hand.json()["not_published"] is True
    held = await api.post(
        "/intake/api/v1/voorgesprekken",
        json={
            "organisation_code": "GM0344",
            "status": "gehouden",
            "held_on": "2025-03-04",
            "mode": "online",
            "teamleden": ["tom.teamlid"],
            "session_wish": "ja",
        },
    )
    assert held.status_code == 201, held.text
    example = SessieGepland.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]
    planned = SessieGepland.model_validate({**example, "organisation_code": "GM0344"})
    await deliver(sessions, planned, api.app.state.runtime.sessions)

    events = await events_on_bus(nats_url, CHANGED, 4)
    assert [(e["data"]["tour_status"], e["data"]["not_published"]) for e in events] == [
        (None, True),
        ("geen interesse", True),
        ("sessie gewenst", True),
        ("sessie gepland", True),
    ]
    assert all(e["data"]["changed_fields"] == ["tour_status"] for e in events[1:])


@pytest.mark.parametrize("role", ["teamlid", "ministerie"])
async def test_only_a_coordinator_changes_not_published(api, bearer, role):
    response = await api.put(
        f"{API}/GM0014/publicatie",
        json={"not_published": True, "version": 1},
        headers=bearer(role),
    )
    assert response.status_code == 403
    assert (await api.get(f"{API}/GM0014")).json()["not_published"] is False


def assert_invalid(response, field: str, reason: str | None) -> None:
    """A 422 problem naming ``field`` only (with ``reason``, when given)."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    params = response.json()["invalidParams"]
    assert [p["name"] for p in params] == [field]
    if reason:
        assert params[0]["reason"] == reason


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"not_published": "misschien", "version": 1}, "not_published", "moet ja of nee zijn"),
        ({"version": 1}, "not_published", "is verplicht"),
        ({"not_published": True, "note": "x" * 201, "version": 1}, "note", "is te lang"),
        ({"not_published": True, "note": "a\x00b", "version": 1}, "note", None),
        ({"not_published": True, "note": "", "version": 1}, "note", None),
        ({"not_published": True, "reden": "x", "version": 1}, "reden", "is onbekend"),
    ],
)
async def test_bad_input_for_not_published_is_a_dutch_problem(api, body, field, reason):
    response = await api.put(f"{API}/GM0014/publicatie", json=body)
    assert_invalid(response, field, reason)
    assert (await api.get(f"{API}/GM0014")).json()["version"] == 1
    assert await scalar(api, "SELECT count(*) FROM timeline_entry") == 0


async def test_not_published_of_an_unknown_organisation_is_404(api):
    response = await api.put(f"{API}/GM9999/publicatie", json={"not_published": True, "version": 1})
    assert response.status_code == 404
