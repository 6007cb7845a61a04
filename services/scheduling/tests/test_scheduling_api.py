"""Scheduling as a service: intake's requests arrive over NATS, a planner run proposes, the
coordinator adopts and confirms, manual changes are checked, calendars follow, outcomes land.

Intake and scheduling run in this process against one real nats-server and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta

import nats
import pytest
from icalendar import Calendar
from intake import handlers as intake_handlers
from ontour.clock import today
from ontour.events import CloudEvent
from ontour.testing.delivery import wait_caught_up
from ontour.testing.plugin import events_on_bus, scalar
from service_support import (
    API,
    PERIOD,
    TEAM,
    finished_run,
    held,
    planned_and_adopted,
    requests_arrived,
)


async def test_requests_arrive_from_intake_with_their_organisation(services):
    intake_api, api = services
    created = await intake_api.post(
        "/intake/api/v1/voorgesprekken", json=held("GM0344", college_takes_part=True)
    )
    [request] = await requests_arrived(services, 1)
    assert request["id"] == created.json()["id"]
    assert request["organisation_name"] == "Utrecht"
    assert request["preferred_periods"] == [PERIOD]
    assert request["college_takes_part"] is True
    assert await scalar(api, "SELECT count(*) FROM tour_organisation WHERE lat IS NOT NULL") == 354


async def test_an_older_revision_arriving_late_changes_nothing(services, nats_url):
    intake_api, api = services
    created = (await intake_api.post("/intake/api/v1/voorgesprekken", json=held("GM0344"))).json()
    await intake_api.patch(
        f"/intake/api/v1/voorgesprekken/{created['id']}",
        json={"college_takes_part": True},
        headers={"If-Match": '"1"'},
    )

    rows = await requests_arrived(services, 1)
    assert rows[0]["college_takes_part"]
    # Replay revision 1 under a new event id: the inbox lets it through, the revision doesn't.
    [first, *_] = await events_on_bus(nats_url, "ontour.intake.sessieverzoek.ingediend.v1", 2)
    replay = CloudEvent.model_validate({**first, "id": "00000000-0000-4000-8000-000000000001"})
    nc = await nats.connect(nats_url)
    await nc.jetstream().publish(
        "ontour.intake.sessieverzoek.ingediend.v1", replay.model_dump_json().encode()
    )
    await nc.close()
    await asyncio.sleep(1.5)
    [request] = (await api.get(f"{API}/verzoeken")).json()
    assert request["college_takes_part"] is True
    assert await scalar(api, "SELECT revision FROM session_request") == 2


async def test_a_planner_run_proposes_with_explanations_and_confirming_announces(
    services, nats_url
):
    proposed, run = await planned_and_adopted(services)
    _, api = services
    assert run["status"] == "klaar"
    assert run["result"]["score"]["hard"] == 0
    assert len(run["result"]["sessions"]) == 2 and run["result"]["unplanned"] == []
    assert all(s["explanation"] for s in run["result"]["sessions"])
    figures = run["summary"]  # the plan in a coordinator's figures, in camelCase
    assert (figures["requests"], figures["planned"], figures["unplanned"]) == (2, 2, 0)
    assert figures["kmTotal"] == sum(m["km"] for m in figures["members"]) > 0
    assert sum(m["evenings"] for m in figures["members"]) == 4
    assert figures["eveningsMin"] <= figures["eveningsMax"]
    assert figures["unmetWishes"] == [] and figures["unplannedByReason"] == []
    assert figures["weights"]["weekdayPreference"] == 10 and "summary" not in run["result"]
    groningen = next(s for s in proposed if s["organisation_code"] == "GM0014")
    assert date.fromisoformat(groningen["on"]).weekday() != 0  # Monday avoided
    assert set(groningen["members"]) & {"fatima.teamlid", "anne.teamlid"}  # a woman
    assert {s["status"] for s in proposed} == {"voorgesteld"}
    events = await events_on_bus(nats_url, "ontour.scheduling.sessie.voorgesteld.v1", 2)
    assert {e["data"]["organisation_code"] for e in events} == {"GM0344", "GM0014"}

    confirmed = await api.post(
        f"{API}/sessies/{groningen['id']}/bevestiging", headers={"If-Match": '"1"'}
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "bevestigd"
    stale = await api.post(f"{API}/sessies/{groningen['id']}/bevestiging", params={"version": 1})
    assert stale.status_code == 409
    [gepland] = await events_on_bus(nats_url, "ontour.scheduling.sessie.gepland.v1", 1)
    assert gepland["data"]["on"] == groningen["on"]
    assert gepland["data"]["starts_at"] == "19:30" and gepland["data"]["team_size"] == 2
    assert "members" not in gepland["data"]  # who goes stays in scheduling

    again = await api.post(f"{API}/planningen/{run['id']}/overname")
    assert again.status_code == 409


async def test_a_manual_change_is_checked_against_the_hard_rules(services, bearer):
    proposed, _ = await planned_and_adopted(services)
    _, api = services
    session = proposed[0]
    day = date.fromisoformat(session["on"])
    member = session["members"][0]
    other_day = day + timedelta(days=1 if day.weekday() < 4 else 3)
    # That member becomes unavailable on another evening: moving the session there is refused.
    availability = {"unavailable_dates": [other_day.isoformat()], "preferred_weekdays": []}
    tom = bearer("teamlid")
    headers = {**tom, "If-Match": '"1"'} if member == "tom.teamlid" else {"If-Match": '"1"'}
    response = await api.put(
        f"{API}/teamleden/{member}/beschikbaarheid", json=availability, headers=headers
    )
    assert response.status_code == 200, response.text
    unavailable = await api.patch(
        f"{API}/sessies/{session['id']}",
        json={"on": other_day.isoformat(), "version": 1},
    )
    assert unavailable.status_code == 422
    assert "niet beschikbaar" in unavailable.json()["detail"]
    broken = await api.patch(
        f"{API}/sessies/{session['id']}", json={"members": [member, member], "version": 1}
    )
    assert broken.status_code == 422
    assert "verschillende teamleden" in broken.json()["detail"]
    assert (await api.get(f"{API}/sessies/{session['id']}")).json()["on"] == session["on"]
    refused = await api.patch(
        f"{API}/sessies/{session['id']}", json={"starts_at": "22:00", "ends_at": "21:00"},
        headers={"If-Match": '"1"'},
    )  # fmt: skip
    assert refused.status_code == 422
    moved = await api.patch(
        f"{API}/sessies/{session['id']}", json={"starts_at": "20:00", "ends_at": "22:00"},
        headers={"If-Match": '"1"'},
    )  # fmt: skip
    assert moved.status_code == 200 and moved.json()["starts_at"] == "20:00"
    # A teamlid may not change someone else's availability, nor plan.
    assert (
        await api.put(
            f"{API}/teamleden/fatima.teamlid/beschikbaarheid", json=availability, headers=tom
        )
    ).status_code == 403


async def test_calendar_feeds_keep_the_uid_and_raise_the_sequence(services, nats_url):
    proposed, _ = await planned_and_adopted(services)
    _, api = services
    session = proposed[0]
    member = session["members"][0]
    await api.post(f"{API}/sessies/{session['id']}/bevestiging", headers={"If-Match": '"1"'})
    url = (await api.post(f"{API}/teamleden/{member}/agendafeed")).json()["url"]
    path = url[url.index("/scheduling/") :]

    async def event_in_feed():
        response = await api.get(path, headers={"Authorization": ""})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/calendar")
        calendar = Calendar.from_ical(response.content)
        assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Amsterdam"
        assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.content
        assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in response.content
        [event] = calendar.walk("VEVENT")
        return event

    first = await event_in_feed()
    assert first["UID"] == f"{session['id']}@ontour.weerbaarbestuur.nl"
    assert first["DTSTART"].dt.tzinfo is not None
    assert str(first["DTSTART"].dt.tzinfo) == "Europe/Amsterdam"
    await api.patch(
        f"{API}/sessies/{session['id']}", json={"starts_at": "20:00", "ends_at": "22:00"},
        headers={"If-Match": '"2"'},
    )  # fmt: skip
    moved = await event_in_feed()
    assert moved["UID"] == first["UID"] and moved["SEQUENCE"] > first["SEQUENCE"]
    assert moved["DTSTART"].dt.hour == 20
    [verplaatst] = await events_on_bus(nats_url, "ontour.scheduling.sessie.verplaatst.v1", 1)
    assert verplaatst["data"]["starts_at"] == "20:00"

    await api.post(f"{API}/sessies/{session['id']}/annulering", headers={"If-Match": '"3"'})
    cancelled = await event_in_feed()
    assert cancelled["STATUS"] == "CANCELLED" and cancelled["SEQUENCE"] > moved["SEQUENCE"]

    single = await api.get(f"{API}/sessies/{session['id']}/agenda.ics")
    assert Calendar.from_ical(single.content).walk("VEVENT")[0]["UID"] == first["UID"]
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in single.content
    assert b"X-PUBLISHED-TTL:PT1H" in single.content

    assert (await api.delete(f"{API}/teamleden/{member}/agendafeed")).status_code == 204
    gone = await api.get(path, headers={"Authorization": ""})
    assert gone.status_code == 404


async def test_the_outcome_is_recorded_by_the_team_and_announced(services, bearer, nats_url):
    proposed, _ = await planned_and_adopted(services)
    _, api = services
    tom = bearer("teamlid")
    # Make the teams known: Tom goes to one session, not to the other (three teamleden and
    # two sessions of two: they are on different evenings, so Anne may do both).
    target, other = proposed
    for session, members in (
        (target, ["tom.teamlid", "anne.teamlid"]),
        (other, ["fatima.teamlid", "anne.teamlid"]),
    ):
        changed = await api.patch(
            f"{API}/sessies/{session['id']}", json={"members": members, "version": 1}
        )
        assert changed.status_code == 200, changed.text
        confirmed = await api.post(
            f"{API}/sessies/{session['id']}/bevestiging", headers={"If-Match": '"2"'}
        )
        assert confirmed.status_code == 200, confirmed.text
    outcome = {"participants": 27, "evaluation_score": 8, "follow_up_wishes": ["nazorg"]}
    refused = await api.post(
        f"{API}/sessies/{other['id']}/uitkomst", json={**outcome, "version": 3}, headers=tom
    )
    assert refused.status_code == 403  # not Tom's session
    headers = tom
    recorded = await api.post(
        f"{API}/sessies/{target['id']}/uitkomst", json={**outcome, "version": 3}, headers=headers
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["status"] == "gehouden"
    [held_event] = await events_on_bus(nats_url, "ontour.scheduling.sessie.gehouden.v1", 1)
    assert held_event["data"]["participants"] == 27
    assert held_event["data"]["follow_up_wishes"] == ["nazorg"]
    bad = await api.post(
        f"{API}/sessies/{target['id']}/uitkomst", json={"participants": -1, "version": 4}
    )
    assert bad.status_code == 422
    listed = await api.get(f"{API}/sessies", params={"status": "gehouden", "formaat": "csv"})
    assert len(listed.content.decode("utf-8-sig").splitlines()) == 2
    wrong = await api.get(f"{API}/sessies", params={"van": "2030-01-02", "tot": "2030-01-01"})
    assert json.loads(wrong.text)["invalidParams"][0]["name"] == "tot"


@pytest.mark.parametrize("replan", [False, True], ids=["whole-model", "smallest-change"])
async def test_replanning_after_a_new_unavailability_changes_as_little_as_possible(
    services, replan
):
    proposed, _ = await planned_and_adopted(services)
    _, api = services
    affected, other = proposed
    member = affected["members"][0]
    version = (await api.get(f"{API}/teamleden/{member}")).json()["version"]
    await api.put(
        f"{API}/teamleden/{member}/beschikbaarheid",
        json={"unavailable_dates": [affected["on"]], "preferred_weekdays": [], "version": version},
    )
    started = await api.post(f"{API}/planningen", json={"time_limit_seconds": 5, "replan": replan})
    run = await finished_run(api, started.json())
    assert run["result"]["replan"] is replan
    again = (await api.post(f"{API}/planningen/{run['id']}/overname")).json()
    by_id = {s["id"]: s for s in again}
    assert set(by_id) == {affected["id"], other["id"]}  # the same sessions, so the same UIDs
    assert (by_id[other["id"]]["on"], by_id[other["id"]]["members"]) == (
        other["on"],
        other["members"],
    )
    moved = by_id[affected["id"]]
    assert (moved["on"], member in moved["members"]) != (affected["on"], True)
    figures = run["summary"]
    assert (figures["unchanged"], figures["new"]) == (1, 0)
    [change] = figures["changes"]
    assert change["requestId"] == str(affected["request_id"])
    assert change["previousOn"] == affected["on"] and change["on"] == moved["on"]
    assert change["kind"] == ("andere-avond" if moved["on"] != affected["on"] else "ander-team")


async def test_intake_follows_the_session_in_the_tour_status(services):
    proposed, _ = await planned_and_adopted(services)
    intake_api, api = services
    session = next(s for s in proposed if s["organisation_code"] == "GM0344")
    organisation = "/intake/api/v1/organisaties/GM0344"

    async def status_is(expected: str):
        await wait_caught_up(
            intake_handlers.sessions,
            producer=api.app.state.runtime.sessions,
            sessions=intake_api.app.state.runtime.sessions,
        )
        assert (await intake_api.get(organisation)).json()["tour_status"] == expected

    await status_is("sessie gewenst")
    await api.post(f"{API}/sessies/{session['id']}/bevestiging", headers={"If-Match": '"1"'})
    await status_is("sessie gepland")
    await api.post(f"{API}/sessies/{session['id']}/annulering", headers={"If-Match": '"2"'})
    await status_is("sessie gewenst")
    timeline = (await intake_api.get(f"{organisation}/tijdlijn")).json()
    assert [t["summary"] for t in timeline[:2]] == [
        "Geplande sessie geannuleerd",
        f"Sessie gepland op {date.fromisoformat(session['on']).strftime('%d-%m-%Y')}",
    ]


async def test_only_one_planner_run_at_a_time_even_when_started_together(services):
    intake_api, api = services
    for member in TEAM:
        assert (await api.post(f"{API}/teamleden", json=member)).status_code == 201
    await intake_api.post("/intake/api/v1/voorgesprekken", json=held("GM0344"))
    await requests_arrived(services, 1)
    both = await asyncio.gather(
        *(api.post(f"{API}/planningen", json={"time_limit_seconds": 5}) for _ in range(2))
    )
    assert sorted(r.status_code for r in both) == [202, 409], [r.text for r in both]
    [started] = [r for r in both if r.status_code == 202]
    [refused] = [r for r in both if r.status_code == 409]
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["detail"] == "Er loopt al een planningsronde; wacht tot die klaar is."
    assert await scalar(api, "SELECT count(*) FROM planner_run") == 1
    run = await finished_run(api, started.json())
    # Once it is done, the next one may start.
    again = await api.post(f"{API}/planningen", json={"time_limit_seconds": 5})
    assert again.status_code == 202, again.text
    assert run["id"] != again.json()["id"]
    await finished_run(api, again.json())


async def test_a_planner_run_needs_a_real_date_to_plan_from(services):
    _, api = services
    for wrong in ("morgen", "10-12-2026", 0, 1796860800, "2026-12-10T00:00:00", "2026-02-30"):
        response = await api.post(f"{API}/planningen", json={"plan_from": wrong})
        assert response.status_code == 422, (wrong, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        [param] = response.json()["invalidParams"]
        assert param["name"] == "plan_from"
        assert param["reason"] == "moet een datum zijn (jjjj-mm-dd)"
        assert "plan_from" in response.json()["detail"]
    past = await api.post(f"{API}/planningen", json={"plan_from": "2000-01-03"})
    assert past.status_code == 422
    assert past.json()["invalidParams"] == [{"name": "plan_from", "reason": "ligt in het verleden"}]
    assert await scalar(api, "SELECT count(*) FROM planner_run") == 0


PRIVATE = {"home_lat", "home_lon", "gender", "unavailable_dates", "excluded_organisations"}
REDUCED = {"id", "name", "background", "languages"}


async def test_colleagues_see_each_other_reduced_and_themselves_in_full(services, bearer):
    _, api = services
    for member in TEAM:
        assert (await api.post(f"{API}/teamleden", json=member)).status_code == 201
    tom = bearer("teamlid")  # signs in as tom.teamlid

    listed = {m["id"]: m for m in (await api.get(f"{API}/teamleden", headers=tom)).json()}
    assert set(listed["fatima.teamlid"]) == set(listed["anne.teamlid"]) == REDUCED
    assert listed["fatima.teamlid"]["name"] == "Fatima El Amrani"
    assert set(listed["tom.teamlid"]) >= PRIVATE  # his own entry in full

    colleague = await api.get(f"{API}/teamleden/fatima.teamlid", headers=tom)
    assert colleague.status_code == 200
    assert colleague.json() == {
        "id": "fatima.teamlid",
        "name": "Fatima El Amrani",
        "background": "oud-burgemeester",
        "languages": ["nl"],
    }
    assert "etag" not in colleague.headers
    own = await api.get(f"{API}/teamleden/tom.teamlid", headers=tom)
    assert own.json()["home_lat"] == 52.09 and own.json()["gender"] == "man"
    assert own.headers["ETag"] == '"1"'

    # The coordinator (the client's default sign-in) sees every profile in full.
    for profile in (await api.get(f"{API}/teamleden")).json():
        assert set(profile) >= PRIVATE
    full = (await api.get(f"{API}/teamleden/fatima.teamlid")).json()
    assert full["gender"] == "vrouw" and full["home_lon"] == 4.90

    # Both views are documented: the reduced one as a schema of its own.
    schema = (await api.get(f"{API}/openapi.json")).json()
    assert set(schema["components"]["schemas"]["TeamlidKort"]["properties"]) == REDUCED
    one = schema["paths"]["/teamleden/{teamlid_id}"]["get"]["responses"]["200"]
    refs = {v["$ref"] for v in one["content"]["application/json"]["schema"]["anyOf"]}
    assert refs == {"#/components/schemas/TeamlidPublic", "#/components/schemas/TeamlidKort"}


async def test_a_session_held_before_the_planner_knew_of_it_is_recorded_after_the_fact(
    services, nats_url
):
    intake_api, api = services
    for member in TEAM:
        assert (await api.post(f"{API}/teamleden", json=member)).status_code == 201
    last_spring = {"start": "2025-03-01", "end": "2025-05-31"}
    await intake_api.post(
        "/intake/api/v1/voorgesprekken", json=held("GM0344", preferred_periods=[last_spring])
    )
    [request] = await requests_arrived(services, 1)
    held_session = {
        "request_id": request["id"], "on": "2025-04-08", "members": ["tom.teamlid"],
        "participants": 31, "evaluation_score": 9, "follow_up_wishes": ["materiaal"],
    }  # fmt: skip
    for wrong, field in (
        ({"on": (today() + timedelta(days=1)).isoformat()}, "on"),
        ({"members": ["onbekend.teamlid"]}, "members"),
        ({"request_id": "00000000-0000-4000-8000-000000000001"}, "request_id"),
    ):
        refused = await api.post(f"{API}/sessies", json={**held_session, **wrong})
        assert refused.status_code == 422, refused.text
        assert refused.json()["invalidParams"][0]["name"] == field
    recorded = await api.post(f"{API}/sessies", json=held_session)
    assert recorded.status_code == 201, recorded.text
    session = recorded.json()
    assert recorded.headers["Location"].endswith(session["id"])
    assert (session["status"], session["on"], session["participants"]) == (
        "gehouden", "2025-04-08", 31,
    )  # fmt: skip
    [announced] = await events_on_bus(nats_url, "ontour.scheduling.sessie.gehouden.v1", 1)
    assert announced["data"]["held_on"] == "2025-04-08"
    again = await api.post(f"{API}/sessies", json=held_session)
    assert again.status_code == 409  # the request has its session
    assert (await api.get(f"{API}/verzoeken")).json() == []  # nothing left to plan
    await wait_caught_up(
        intake_handlers.sessions,
        producer=api.app.state.runtime.sessions,
        sessions=intake_api.app.state.runtime.sessions,
    )
    organisation = (await intake_api.get("/intake/api/v1/organisaties/GM0344")).json()
    assert organisation["tour_status"] == "sessie gehouden"
