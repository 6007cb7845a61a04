"""A case's follow-up steps as a service, on real PostgreSQL and NATS: recorded by peer,
coordinator and requester (status link), their rules answered as problem+json in Dutch with
nothing half-saved, their history, the events (only under statistics consent, only the step),
the referrals of a closed case as steps, the reminder for a step that stands still, and
erasure taking them along."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import test_aftercare_service as service_tests
from aftercare.app import service as aftercare
from alembic import command
from alembic.config import Config
from ontour.db import create_engine, ensure_database
from ontour.testing.plugin import events_on_bus, scalar
from sqlalchemy import text
from test_aftercare_service import API, ask, case_id_of

# The service with its peers, as its own tests run it.
aftercare_db, api = service_tests.aftercare_db, service_tests.api

ANONYMOUS = {"Authorization": ""}
STEP_FIELDS = {"case_id", "at", "kind", "status", "reason", "revision"}


def steps_of(case_id: str) -> str:
    return f"{API}/verzoeken/{case_id}/vervolgstappen"


async def linked_to_tom(api, bearer, **changes) -> str:
    """A case whose peer is tom.teamlid, the demo teamlid."""
    asked = await ask(api, gender_wish="geen voorkeur", organisation_code=None, **changes)
    case_id = await case_id_of(api, asked["reference"])
    proposal = (await api.get(f"{API}/verzoeken/{case_id}/voorstel")).json()
    override = None if proposal["best"]["peer_id"] == "tom.teamlid" else "test"
    linked = await api.post(f"{API}/verzoeken/{case_id}/koppeling",
                            json={"peer_id": "tom.teamlid", "version": 1,
                                  "override_reason": override})  # fmt: skip
    assert linked.status_code == 204, linked.text
    return case_id


async def test_the_peer_records_a_step_through_its_statuses_with_history_and_events(
    api, bearer, nats_url
):
    case_id = await linked_to_tom(api, bearer)
    tom = bearer("teamlid")
    for status in ("voorgesteld", "aangevraagd"):
        advice = {"kind": "beveiligingsadvies", "status": status}
        recorded = await api.post(steps_of(case_id), json=advice, headers=tom)
        assert recorded.status_code == 204, recorded.text
    let_go = {"kind": "beveiligingsadvies", "status": "afgezien", "reason": "te veel gedoe"}
    assert (await api.post(steps_of(case_id), json=let_go)).status_code == 204  # coordinator
    [step] = (await api.get(steps_of(case_id), headers=tom)).json()
    assert (step["status"], step["reason"]) == ("afgezien", "te veel gedoe")
    assert [(h["status"], h["actor"]) for h in step["history"]] == [
        ("voorgesteld", "peer"), ("aangevraagd", "peer"), ("afgezien", "coördinator")
    ]  # fmt: skip
    events = await events_on_bus(nats_url, "ontour.aftercare.nazorg.stap-gewijzigd.v1", 3)
    assert [(e["data"]["status"], e["data"]["revision"]) for e in events] == [
        ("voorgesteld", 1), ("aangevraagd", 2), ("afgezien", 3)
    ]  # fmt: skip
    assert all(set(e["data"]) == STEP_FIELDS for e in events)  # the step, nothing else
    # A final status stays: the state refuses it (409), in Dutch.
    again = await api.post(steps_of(case_id), json={"kind": "beveiligingsadvies",
                                                    "status": "afgerond"}, headers=tom)  # fmt: skip
    assert again.status_code == 409 and "al afgezien" in again.json()["detail"]


async def test_bad_input_is_a_dutch_422_naming_the_field_and_nothing_is_saved(api, bearer):
    case_id = await linked_to_tom(api, bearer)
    wrong = [
        ({"kind": "aangifte", "status": "afgezien"}, "reason"),
        ({"kind": "aangifte", "status": "afgerond", "reason": "anders"}, "reason"),
        ({"kind": "melding", "status": "afgerond", "registration_number": "PL-1234"},
         "registration_number"),
        ({"kind": "aangifte", "status": "afgerond", "registration_number": "<b>"},
         "registration_number"),
        ({"kind": "stalking", "status": "afgerond"}, "kind"),
        ({"kind": "aangifte", "status": "misschien"}, "status"),
    ]  # fmt: skip
    for body, field in wrong:
        response = await api.post(steps_of(case_id), json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["invalidParams"][0]["name"] == field
    assert await scalar(api, "SELECT count(*) FROM aftercare_step") == 0
    assert await scalar(api, "SELECT count(*) FROM aftercare_step_change") == 0


async def test_only_the_linked_peer_and_the_coordinator_see_and_record_steps(api, bearer):
    case_id = await case_id_of(api, (await ask(api))["reference"])  # not linked to tom
    tom = bearer("teamlid")
    assert (await api.get(steps_of(case_id), headers=tom)).status_code == 403
    melding = {"kind": "melding", "status": "afgerond"}
    assert (await api.post(steps_of(case_id), json=melding, headers=tom)).status_code == 403
    assert (await api.get(steps_of(case_id), headers=bearer("ministerie"))).status_code == 403


async def test_without_statistics_consent_a_step_is_not_announced(api, bearer, nats_url):
    case_id = await linked_to_tom(api, bearer, consent_statistics=False)
    melding = {"kind": "melding", "status": "afgerond"}
    assert (await api.post(steps_of(case_id), json=melding)).status_code == 204
    consented = await case_id_of(api, (await ask(api))["reference"])  # the coordinator's
    assert (await api.post(steps_of(consented), json=melding)).status_code == 204
    [event] = await events_on_bus(nats_url, "ontour.aftercare.nazorg.stap-gewijzigd.v1", 1)
    assert event["subject"] == str(
        await scalar(api, f"SELECT statistics_id FROM aftercare_case WHERE id = '{consented}'")
    )


async def test_the_referrals_of_a_closed_case_become_proposed_steps(api, bearer):
    case_id = await linked_to_tom(api, bearer)
    tom = bearer("teamlid")
    await api.post(steps_of(case_id), json={"kind": "aangifte", "status": "afgerond"})
    for step, body in [
        ("contact", {"mode": "telefoon", "version": 2}),
        ("start", {"version": 3}),
        ("afsluiting", {"outcome": "doorverwezen", "version": 4,
                        "referrals": ["politie/aangifte", "werkgever/griffie"]}),
    ]:  # fmt: skip
        response = await api.post(f"{API}/verzoeken/{case_id}/{step}", json=body, headers=tom)
        assert response.status_code == 204, response.text
    found = {s["kind"]: s["status"] for s in (await api.get(steps_of(case_id))).json()}
    assert found == {"aangifte": "afgerond", "melding": "voorgesteld"}  # what was, stays
    # Proposed by whoever closed the case: here the coordinator.
    other = await linked_to_tom(api, bearer)
    closing = {"outcome": "doorverwezen", "version": 4, "referrals": ["werkgever/griffie"]}
    for step, body in [
        ("contact", {"mode": "telefoon", "version": 2}),
        ("start", {"version": 3}),
        ("afsluiting", closing),
    ]:
        response = await api.post(f"{API}/verzoeken/{other}/{step}", json=body)  # coordinator
        assert response.status_code == 204, response.text
    [proposed] = (await api.get(steps_of(other))).json()
    assert [(h["status"], h["actor"]) for h in proposed["history"]] == [
        ("voorgesteld", "coördinator")
    ]


async def test_a_step_that_stands_still_reminds_the_peer(api, bearer):
    case_id = await linked_to_tom(api, bearer)
    tom = bearer("teamlid")
    await api.post(steps_of(case_id), json={"kind": "woningscan", "status": "aangevraagd"})
    mine = (await api.get(f"{API}/mijn-nazorg", headers=tom)).json()
    assert not any("woningscan" in a["message"] for c in mine for a in c["alerts"])
    async with api.app.state.runtime.sessions() as session:
        # Changed five weeks ago: past ten working days, whatever the holidays.
        await session.execute(
            text("UPDATE aftercare_step SET changed_at = now() - interval '35 days'")
        )
        await session.commit()
    mine = (await api.get(f"{API}/mijn-nazorg", headers=tom)).json()
    [reminder] = [a for c in mine for a in c["alerts"] if "woningscan" in a["message"]]
    assert reminder["recipient"] == "peer" and "aangevraagd" in reminder["message"]
    page = await api.get(f"/aftercare/verzoeken/{case_id}", headers={**tom, "Accept": "text/html"})
    assert "Herinnering: de stap woningscan" in page.text


async def test_the_requester_records_their_own_steps_from_the_status_link(api):
    received = await ask(api)
    status = received["status_url"].split("/aftercare", 1)[1]
    page = await api.get(f"/aftercare{status}", headers=ANONYMOUS)
    assert "Wat heeft u sindsdien gedaan?" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
    form = {"csrf_token": csrf, "kind": "psychologische hulp", "status": "afgerond"}
    refused = await api.post(f"/aftercare{status}/vervolgstappen", data=form, headers=ANONYMOUS)
    assert refused.status_code == 422 and "legt uw peer vast" in refused.text
    form |= {"kind": "aangifte", "status": "afgezien", "reason": "angst voor gevolgen"}
    done = await api.post(f"/aftercare{status}/vervolgstappen", data=form, headers=ANONYMOUS)
    assert done.status_code == 303
    page = await api.get(f"/aftercare{status}", headers=ANONYMOUS)
    assert "angst voor gevolgen" in page.text
    case_id = await case_id_of(api, received["reference"])
    [step] = (await api.get(steps_of(case_id))).json()
    assert step["history"][0]["actor"] == "aanvrager"
    dead = await api.post("/aftercare/status/niet-echt/vervolgstappen", data=form,
                          headers=ANONYMOUS)  # fmt: skip
    assert dead.status_code == 404


async def test_erasure_takes_the_steps_and_their_history_along(api, bearer):
    case_id = await linked_to_tom(api, bearer)
    aangifte = {"kind": "aangifte", "status": "afgerond", "registration_number": "PL0900-123"}
    assert (await api.post(steps_of(case_id), json=aangifte)).status_code == 204
    assert (await api.post(f"{API}/verzoeken/{case_id}/wissen")).status_code == 204
    assert await scalar(api, "SELECT count(*) FROM aftercare_step") == 0
    assert await scalar(api, "SELECT count(*) FROM aftercare_step_change") == 0
    assert (await api.get(steps_of(case_id))).status_code == 410


async def test_the_coordinator_changes_a_checklist_and_a_peer_cannot(api, bearer):
    case_id = await linked_to_tom(api, bearer)  # matched: the stage "gematcht"
    tom = {**bearer("teamlid"), "Accept": "text/html"}
    page = await api.get(f"/aftercare/verzoeken/{case_id}", headers=tom)
    assert "Wat u nu kunt aanbieden" in page.text and "Neem binnen de termijn" in page.text
    form = await api.get("/aftercare/checklists", headers={"Accept": "text/html"})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
    own = {"csrf_token": csrf, "stage": "gematcht", "items": "Bel dezelfde dag nog.\n"}
    refused = await api.post("/aftercare/checklists", data=own, headers=tom)
    assert refused.status_code == 403
    too_long = await api.post("/aftercare/checklists", data={**own, "items": "x" * 400},
                              headers={"Accept": "text/html"})  # fmt: skip
    assert too_long.status_code == 422 and "hoogstens 300 tekens" in too_long.text
    assert await scalar(api, "SELECT count(*) FROM aftercare_checklist") == 0
    saved = await api.post("/aftercare/checklists", data=own, headers={"Accept": "text/html"})
    assert saved.status_code == 303
    page = await api.get(f"/aftercare/verzoeken/{case_id}", headers=tom)
    assert "Bel dezelfde dag nog." in page.text and "Neem binnen de termijn" not in page.text
    assert await scalar(api, "SELECT changed_by FROM aftercare_checklist") == "carla.coordinator"
    back = await api.post("/aftercare/checklists", data={**own, "items": ""},
                          headers={"Accept": "text/html"})  # fmt: skip
    assert back.status_code == 303
    assert await scalar(api, "SELECT count(*) FROM aftercare_checklist") == 0


async def test_migration_0005_turns_the_referrals_of_closed_cases_into_proposed_steps(database_url):
    """The referrals a case was closed with become steps proposed by the peer, dated when the
    case was closed; the column stays for the release before (expand first)."""
    url = database_url("aftercare")
    await ensure_database(url)
    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(aftercare.migrations))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))

    def upgrade_to(revision: str) -> Callable[[Any], None]:
        def run(connection: Any) -> None:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

        return run

    try:
        async with engine.begin() as connection:
            await connection.run_sync(upgrade_to("0004"))
            await connection.execute(text(
                "INSERT INTO aftercare_case (id, reference, statistics_id, status, role, "
                "gender_wish, wants_same_background, language, consent_handling, "
                "consent_share_with_peer, consent_statistics, requested_at, closed_at, "
                "referrals) VALUES (gen_random_uuid(), 'NZ-AAAA-BBBB', gen_random_uuid(), "
                "'afgesloten', 'raadslid', 'geen voorkeur', false, 'nl', true, true, true, "
                "'2025-03-01T09:00Z', '2025-04-01T09:00Z', "
                "ARRAY['politie/aangifte', 'psychologische hulp', 'werkgever/griffie'])"
            ))  # fmt: skip
            await connection.run_sync(upgrade_to("0005"))
            steps = (await connection.execute(text(
                "SELECT s.kind, s.status, s.changed_at, c.actor FROM aftercare_step s "
                "JOIN aftercare_step_change c ON c.step_id = s.id ORDER BY s.kind"
            ))).all()  # fmt: skip
            kept = await connection.scalar(text("SELECT referrals FROM aftercare_case"))
    finally:
        await engine.dispose()
    closed = datetime(2025, 4, 1, 9, tzinfo=UTC)
    assert [tuple(step) for step in steps] == [
        ("aangifte", "voorgesteld", closed, "peer"),
        ("melding", "voorgesteld", closed, "peer"),
        ("psychologische hulp", "voorgesteld", closed, "peer"),
    ]
    assert len(kept) == 3


async def test_the_request_event_says_whether_the_requester_had_already_reported(api, nats_url):
    await ask(api, reported=["aangifte"])
    await ask(api, reported=["melding"], consent_statistics=False)
    first, second = await events_on_bus(nats_url, "ontour.aftercare.nazorg.aangevraagd.v1", 2)
    assert first["data"]["already_reported"] is True
    assert second["data"]["already_reported"] is None  # without consent: nothing but the step
