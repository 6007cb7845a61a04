"""An organisation's arrangements against aggression ("Melden helpt"): the rules, and the
coordinator recording them through the API with history, audit and the event."""

from __future__ import annotations

from datetime import date

import pytest
from intake.domain import protocol
from ontour.application.errors import Refused
from ontour.contracts.intake import OrganisatieGewijzigd, ProtocolAntwoord, ProtocolStand
from ontour.contracts.intake import OrganisatieVeld as Veld
from ontour.testing.plugin import events_on_bus, scalar
from test_organisations_api import assert_invalid

API = "/intake/api/v1/organisaties"
JA, NEE, ONBEKEND = ProtocolAntwoord.JA, ProtocolAntwoord.NEE, ProtocolAntwoord.ONBEKEND
MARCH, SEPTEMBER, TODAY = date(2026, 3, 4), date(2026, 9, 1), date(2026, 12, 7)


# --- the rules -----------------------------------------------------------------------------------


def test_a_first_answer_is_a_change_from_nothing():
    changes = protocol.record({}, {Veld.AGGRESSION_PROTOCOL: NEE}, MARCH, today=TODAY)
    assert changes == [
        protocol.ProtocolChange(
            Veld.AGGRESSION_PROTOCOL, None, ProtocolStand(answer=NEE, since=MARCH)
        )
    ]
    assert protocol.summary(changes[0]) == (
        "Agressieprotocol: niet vastgelegd → nee (vanaf 4 maart 2026)"
    )


def test_the_same_answer_again_changes_nothing_and_a_new_one_moves_on():
    current = {Veld.AGGRESSION_PROTOCOL: ProtocolStand(answer=NEE, since=MARCH)}
    answers = {Veld.AGGRESSION_PROTOCOL: NEE, Veld.POLICE_LIAISON: ONBEKEND}
    changes = protocol.record(current, answers, SEPTEMBER, today=TODAY)
    assert [c.topic for c in changes] == [Veld.POLICE_LIAISON]
    moved = protocol.record(current, {Veld.AGGRESSION_PROTOCOL: JA}, SEPTEMBER, today=TODAY)
    after = protocol.after(current, moved)
    assert after[Veld.AGGRESSION_PROTOCOL] == ProtocolStand(answer=JA, since=SEPTEMBER)
    assert protocol.stored(protocol.storable(after)) == after


def test_the_same_day_corrects_the_current_answer():
    current = {Veld.AGGRESSION_PROTOCOL: ProtocolStand(answer=NEE, since=MARCH)}
    changes = protocol.record(current, {Veld.AGGRESSION_PROTOCOL: JA}, MARCH, today=TODAY)
    assert changes[0].after == ProtocolStand(answer=JA, since=MARCH)


@pytest.mark.parametrize(
    ("since", "reason"),
    [
        (date(2026, 12, 8), "de datum ligt in de toekomst"),
        (date(2026, 3, 3), "het agressieprotocol heeft al een antwoord vanaf 4 maart 2026"),
    ],
)
def test_history_moves_forward_and_not_into_the_future(since, reason):
    current = {Veld.AGGRESSION_PROTOCOL: ProtocolStand(answer=NEE, since=MARCH)}
    with pytest.raises(Refused) as refused:
        protocol.record(current, {Veld.AGGRESSION_PROTOCOL: JA}, since, today=TODAY)
    assert refused.value.field == "since" and refused.value.detail.startswith(reason)


# --- the API -------------------------------------------------------------------------------------

ANSWERS = {
    "aggression_protocol": "nee",
    "officials_reporting_point": "ja",
    "police_liaison": "onbekend",
    "domicile_arrangements": "nee",
}


async def test_a_coordinator_records_the_answers_with_history_and_event(api, nats_url):
    path = f"{API}/GM0014/protocol"
    empty = await api.get(path)
    assert empty.status_code == 200 and empty.json()["aggression_protocol"] is None
    assert empty.json()["history"] == []

    first = await api.put(path, json={**ANSWERS, "since": "2025-03-04", "version": 1})
    assert first.status_code == 200, first.text
    assert first.json()["aggression_protocol"] == {"answer": "nee", "since": "2025-03-04"}
    assert first.json()["version"] == 2 and first.headers["ETag"] == '"2"'
    assert len(first.json()["history"]) == 4

    # Later the organisation adopted a protocol: only that answer changes.
    later = {**ANSWERS, "aggression_protocol": "ja", "since": "2026-06-01"}
    second = await api.put(path, json=later, headers={"If-Match": '"2"'})
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["aggression_protocol"] == {"answer": "ja", "since": "2026-06-01"}
    assert body["officials_reporting_point"] == {"answer": "ja", "since": "2025-03-04"}
    assert [(h["topic"], h["answer"], h["recorded_by"]) for h in body["history"][:2]] == [
        ("aggression_protocol", "ja", "Carla de Vries"),
        ("domicile_arrangements", "nee", "Carla de Vries"),
    ]
    assert len(body["history"]) == 5

    # Nothing new: no version, no history, no event.
    again = await api.put(path, json={**later, "version": 3})
    assert again.status_code == 200 and again.json()["version"] == 3

    timeline = (await api.get(f"{API}/GM0014/tijdlijn")).json()
    assert timeline[0]["summary"] == "Agressieprotocol: nee → ja (vanaf 1 juni 2026)"
    assert sum(t["kind"] == "protocol" for t in timeline) == 5
    assert await scalar(api, "SELECT count(*) FROM audit_log WHERE action = 'wijzigen'") == 2

    events = await events_on_bus(nats_url, OrganisatieGewijzigd.nats_subject(), 2)
    assert events[0]["data"]["changed_fields"] == list(ANSWERS)
    assert events[1]["data"]["changed_fields"] == ["aggression_protocol"]
    assert {k: events[1]["data"][k] for k in ANSWERS} == {
        "aggression_protocol": {"answer": "ja", "since": "2026-06-01"},
        "officials_reporting_point": {"answer": "ja", "since": "2025-03-04"},
        "police_liaison": {"answer": "onbekend", "since": "2025-03-04"},
        "domicile_arrangements": {"answer": "nee", "since": "2025-03-04"},
    }
    # Every other change of the organisation carries the current answers too.
    await api.put(f"{API}/GM0014/publicatie", json={"not_published": True, "version": 3})
    flagged = await events_on_bus(nats_url, OrganisatieGewijzigd.nats_subject(), 3)
    assert flagged[2]["data"]["aggression_protocol"] == {"answer": "ja", "since": "2026-06-01"}


async def test_answers_at_a_voorgesprek_name_it(api):
    held = await api.post(
        "/intake/api/v1/voorgesprekken",
        json={"organisation_code": "GM0014", "status": "gehouden", "held_on": "2025-03-04",
              "mode": "online", "teamleden": ["tom.teamlid"]},
    )  # fmt: skip
    assert held.status_code == 201, held.text
    version = (await api.get(f"{API}/GM0014")).json()["version"]
    body = {**ANSWERS, "since": "2025-03-04", "voorgesprek_id": held.json()["id"]}
    recorded = await api.put(f"{API}/GM0014/protocol", json={**body, "version": version})
    assert recorded.status_code == 200, recorded.text
    assert {h["voorgesprek_id"] for h in recorded.json()["history"]} == {held.json()["id"]}
    elsewhere = await api.put(f"{API}/GM0344/protocol", json={**body, "version": 1})
    assert elsewhere.status_code == 422
    assert [p["name"] for p in elsewhere.json()["invalidParams"]] == ["voorgesprek_id"]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({**ANSWERS, "aggression_protocol": "misschien"}, "aggression_protocol", None),
        ({k: v for k, v in ANSWERS.items() if k != "police_liaison"}, "police_liaison",
         "is verplicht"),
        ({**ANSWERS, "since": None}, "since", None),
        ({**ANSWERS, "since": "2999-01-01"}, "since", "de datum ligt in de toekomst"),
        ({**ANSWERS, "meldplicht": "ja"}, "meldplicht", "is onbekend"),
    ],
)  # fmt: skip
async def test_bad_answers_are_a_dutch_problem_and_nothing_is_saved(api, body, field, reason):
    body = {"since": "2025-03-04", **body, "version": 1}
    if body["since"] is None:
        del body["since"]
    response = await api.put(f"{API}/GM0014/protocol", json=body)
    assert_invalid(response, field, reason)
    assert (await api.get(f"{API}/GM0014")).json()["version"] == 1
    assert await scalar(api, "SELECT count(*) FROM protocol_answer") == 0
    assert await scalar(api, "SELECT count(*) FROM timeline_entry") == 0


async def test_a_date_before_the_current_answer_is_refused(api):
    path = f"{API}/GM0014/protocol"
    assert (await api.put(path, json={**ANSWERS, "since": "2026-03-04", "version": 1})).is_success
    earlier = {**ANSWERS, "aggression_protocol": "ja", "since": "2026-03-01", "version": 2}
    refused = await api.put(path, json=earlier)
    assert refused.status_code == 422
    assert refused.json()["invalidParams"][0]["name"] == "since"
    assert await scalar(api, "SELECT count(*) FROM protocol_answer") == 4


async def test_recording_needs_the_version_and_a_coordinator(api, bearer):
    path = f"{API}/GM0014/protocol"
    assert (await api.put(path, json={**ANSWERS, "since": "2025-03-04"})).status_code == 428
    stale = await api.put(path, json={**ANSWERS, "since": "2025-03-04", "version": 7})
    assert stale.status_code == 409
    teamlid = await api.put(
        path, json={**ANSWERS, "since": "2025-03-04", "version": 1}, headers=bearer("teamlid")
    )
    assert teamlid.status_code == 403
    assert (await api.get(path, headers=bearer("teamlid"))).status_code == 200
    assert await scalar(api, "SELECT count(*) FROM protocol_answer") == 0


# --- the contract ---------------------------------------------------------------------------------


async def test_the_asyncapi_document_describes_the_arrangements(api):
    document = (await api.get("/intake/asyncapi.json")).json()
    schemas = document["components"]["schemas"]
    changed = schemas["OrganisatieGewijzigd"]["properties"]
    for field in ANSWERS:
        assert changed[field]["description"], field
    assert set(changed["changed_fields"]["items"]["$ref"].split("/")[-1:]) == {"OrganisatieVeld"}
    assert set(ANSWERS) <= set(schemas["OrganisatieVeld"]["enum"])
    stand = schemas["ProtocolStand"]["properties"]
    assert all(prop.get("description") for prop in stand.values())


def test_an_event_of_before_the_arrangements_still_reads():
    """Optional fields with a default: an organisatie.gewijzigd.v1 of before still parses."""
    old = {
        "organisation_code": "GM0014", "changed_fields": ["tour_status"], "valid_until": None,
        "successor_code": None, "tour_status": "sessie gepland",
    }  # fmt: skip
    parsed = OrganisatieGewijzigd.model_validate(old)
    assert parsed.aggression_protocol is None and parsed.domicile_arrangements is None
