"""Scheduling's pages over HTTP: inbox, a planner run from the page, the agenda, a session
with its outcome form, my availability (axe in tests/test_scheduling_pages_browser.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from ontour.i18n import untranslated_messages
from ontour.testing.plugin import eventually, scalar
from scheduling import pages, team_pages
from scheduling.models import PlannerRun
from scheduling.usecases.planning import plan_as_json
from scheduling.views import public
from scheduling_support import hand_made_plan
from service_support import API, TEAM, held, requests_arrived
from starlette.requests import Request

HTML = {"Accept": "text/html"}


def test_every_text_of_the_pages_has_dutch():
    modules = [Path(pages.__file__), Path(team_pages.__file__)]
    missing = untranslated_messages(pages.LOCALE, pages.TEMPLATES, modules)
    assert not missing, missing


def _run_page(role: str) -> str:
    """The result page of a stored run, rendered for a signed-in ``role`` (no service)."""
    instance, _, result = hand_made_plan()
    run = PlannerRun(status="klaar", started_by="Carla", started_at=datetime.now(UTC),
                     time_limit_seconds=5, result=plan_as_json(result, instance))  # fmt: skip
    request = Request({"type": "http", "method": "GET", "path": "/scheduling/planningen/x",
                       "raw_path": b"", "query_string": b"", "headers": [],
                       "app": SimpleNamespace(state=SimpleNamespace()), "state": {}})  # fmt: skip
    request.state.user = SimpleNamespace(display_name="Carla", roles=frozenset({role}))
    return pages.pages.render_string(request, "scheduling/planning.html", {"run": public(run)})


def test_the_result_page_says_the_plan_in_figures():
    page = " ".join(re.sub(r"<[^>]+>", " ", _run_page("coordinator")).split()).replace(" :", ":")
    assert "Ingepland 3 van de 4 verzoeken" in page
    assert "Niet ingepland 1 (periode voorbij: 1)" in page
    assert "Avonden per teamlid 1 tot 3 (deze planning plus bevestigde sessies)" in page
    assert "Ten opzichte van de vorige planning 1 ongewijzigd, 3 gewijzigd, 0 nieuw" in page
    assert "D 1 1 2" in page  # D: one session here, one confirmed, two evenings
    assert "Gemeente Zeist (8 oktober 2025): geen vrouw in het team" in page
    assert "Gemeente Utrecht (6 oktober 2025): niet op een voorkeursavond van A" in page
    assert (
        "Gemeente Zeist: andere avond (was 6 oktober 2025, nu 8 oktober 2025); gaat niet meer: A"
        in page
    )
    assert "Gemeente Groningen: ander team; gaat niet meer: D" in page
    changes = page.split("Wijzigingen ten opzichte")[1].split("Hoe de planner afweegt")[0]
    assert "Gemeente Utrecht" not in changes  # unchanged
    assert "Gemeente Assen: niet meer ingepland (was 8 oktober 2025)" in page
    assert "evenveel als 150 km meer reizen" in page and "1.000 punten" in page
    teamlid = _run_page("teamlid")
    assert "De planning in cijfers" in teamlid and "Per teamlid" not in teamlid
    assert "Wensen waaraan niet is voldaan</h3>" not in teamlid
    assert "Hoe de planner afweegt" not in teamlid


@pytest.fixture
async def site(services):
    intake_api, api = services
    for member in TEAM:
        await api.post(f"{API}/teamleden", json=member)
    await intake_api.post("/intake/api/v1/voorgesprekken", json=held("GM0344"))
    await requests_arrived(services, 1)
    return api


async def test_a_re_plan_with_the_smallest_change_is_started_from_the_inbox(site):
    inbox = await site.get("/scheduling/", headers=HTML)
    assert "Herplannen met de kleinste wijziging" in inbox.text
    started = await site.post("/scheduling/planningen", data={"replan": "ja"}, headers=HTML)
    assert started.status_code == 303

    async def finished():
        page = await site.get(started.headers["location"], headers=HTML)
        return page if "Overnemen als voorstellen" in page.text else None

    run_page = await eventually(finished, timeout=60, interval=0.3)
    assert "Herplanning met de kleinste wijziging" in run_page.text


async def test_plan_adopt_confirm_and_record_an_outcome_on_the_pages(site, bearer):
    inbox = await site.get("/scheduling/", headers=HTML)
    assert "Sessieverzoeken" in inbox.text and "Utrecht" in inbox.text

    wrong = await site.post("/scheduling/planningen", data={"time_limit_seconds": "9999"},
                            headers=HTML)  # fmt: skip
    assert wrong.status_code == 422 and "tijdslimiet" in wrong.text.lower()
    started = await site.post("/scheduling/planningen", data={"time_limit_seconds": "3"},
                              headers=HTML)  # fmt: skip
    assert started.status_code == 303
    run_path = started.headers["location"]

    async def finished():
        page = await site.get(run_path, headers=HTML)
        return page if "Overnemen als voorstellen" in page.text else None

    run_page = await eventually(finished, timeout=60, interval=0.3)
    assert "Voorgestelde sessies" in run_page.text and "Utrecht" in run_page.text
    text = run_page.text
    assert "De planning in cijfers" in text and "1 van de 1 verzoeken" in text
    assert "Hoe de planner afweegt" in text and "evenveel als 150 km meer reizen" in text
    raw = text.index("Technische score van de planner")
    assert text.rfind("<details", 0, raw) > text.rfind("</details>", 0, raw)  # tucked away
    assert text.index("Zachte score") > raw
    adopted = await site.post(f"{run_path}/overname", headers=HTML)
    assert adopted.status_code == 303

    session_id = str(await scalar(site, "SELECT id FROM session"))
    detail = await site.get(f"/scheduling/sessies/{session_id}", headers=HTML)
    assert "Waarom deze avond, waarom dit team" in detail.text
    assert "Met de hand wijzigen" in detail.text
    on = str(await scalar(site, 'SELECT "on" FROM session'))
    members = list(await scalar(site, "SELECT members FROM session"))
    lonely = await site.post(
        f"/scheduling/sessies/{session_id}/wijzigen",
        data={"on": on, "members": members[:1], "starts_at": "19:30", "ends_at": "21:30",
              "version": "1"},
        headers=HTML,
    )  # fmt: skip
    assert lonely.status_code == 422 and "verschillende teamleden" in lonely.text
    later = await site.post(
        f"/scheduling/sessies/{session_id}/wijzigen",
        data={"on": on, "members": members, "starts_at": "20:00", "ends_at": "22:00",
              "location": "Raadzaal", "version": "1"},
        headers=HTML,
    )  # fmt: skip
    assert later.status_code == 303
    assert str(await scalar(site, "SELECT location FROM session")) == "Raadzaal"
    confirm = await site.post(
        f"/scheduling/sessies/{session_id}/bevestiging", data={"version": "2"}, headers=HTML
    )
    assert confirm.status_code == 303
    stale = await site.post(
        f"/scheduling/sessies/{session_id}/bevestiging", data={"version": "2"}, headers=HTML
    )
    assert stale.status_code == 409

    bad = await site.post(
        f"/scheduling/sessies/{session_id}/uitkomst",
        data={"participants": "veel", "version": "3"},
        headers=HTML,
    )
    assert bad.status_code == 422 and "Aantal deelnemers" in bad.text
    ok = await site.post(
        f"/scheduling/sessies/{session_id}/uitkomst",
        data={"participants": "31", "evaluation_score": "9", "follow_up_wishes": ["nazorg"],
              "version": "3"},
        headers=HTML,
    )  # fmt: skip
    assert ok.status_code == 303
    assert await scalar(site, "SELECT status FROM session") == "gehouden"

    for path in ("/scheduling/agenda", "/scheduling/agenda?weergave=week", "/scheduling/sessies"):
        page = await site.get(path, headers=HTML)
        assert page.status_code == 200, path


async def test_my_availability_and_my_calendar_address(site, bearer):
    tom = {**bearer("teamlid"), **HTML}
    form = await site.get("/scheduling/mijn-beschikbaarheid", headers=tom)
    assert form.status_code == 200 and "Data waarop ik niet kan" in form.text
    wrong = await site.post(
        "/scheduling/mijn-beschikbaarheid",
        data={"unavailable_dates": "morgen", "max_per_week": "2", "max_per_month": "6",
              "version": "1"},
        headers=tom,
    )  # fmt: skip
    assert wrong.status_code == 422 and "morgen" in wrong.text
    saved = await site.post(
        "/scheduling/mijn-beschikbaarheid",
        data={"unavailable_dates": "24-12-2026\n2026-12-31", "preferred_weekdays": ["dinsdag"],
              "max_per_week": "1", "max_per_month": "4", "version": "1"},
        headers=tom,
    )  # fmt: skip
    assert saved.status_code == 303
    teamlid = (await site.get(f"{API}/teamleden/tom.teamlid")).json()
    assert teamlid["unavailable_dates"] == ["2026-12-24", "2026-12-31"]
    assert teamlid["max_per_week"] == 1

    page = await site.post("/scheduling/mijn-agenda/feed", headers=tom)
    assert page.status_code == 200 and "/scheduling/agenda/" in page.text


async def test_the_pages_show_a_teamlid_nothing_private_of_colleagues(site, bearer):
    """Colleagues' homes, genders and unavailable dates stay off every page a teamlid sees."""
    fatima = "/scheduling/api/v1/teamleden/fatima.teamlid/beschikbaarheid"
    marked = await site.put(
        fatima, json={"unavailable_dates": ["2031-05-06"], "preferred_weekdays": [], "version": 1}
    )
    assert marked.status_code == 200, marked.text
    started = await site.post(f"{API}/planningen", json={"time_limit_seconds": 3})
    run = started.json()

    async def finished():
        body = (await site.get(f"{API}/planningen/{run['id']}")).json()
        return body if body["status"] != "bezig" else None

    await eventually(finished, timeout=60, interval=0.3)
    await site.post(f"{API}/planningen/{run['id']}/overname")
    session_id = await scalar(site, "SELECT id FROM session")
    tom = {**bearer("teamlid"), **HTML}
    # Fatima's and Anne's latitudes (either decimal mark), Fatima's date, their gender.
    private = re.compile(r"\b(52[.,]37|53[.,]22|2031-05-06|06-05-2031|6 mei 2031|vrouw)\b")
    paths = ["/scheduling/", f"/scheduling/planningen/{run['id']}", "/scheduling/agenda",
             "/scheduling/sessies", f"/scheduling/sessies/{session_id}",
             "/scheduling/mijn-agenda", "/scheduling/mijn-beschikbaarheid"]  # fmt: skip
    for path in paths:
        page = await site.get(path, headers=tom)
        assert page.status_code == 200, path
        assert not private.search(page.text), (path, private.search(page.text))


async def test_a_coordinator_keeps_the_team_on_the_pages(services, bearer):
    """Add, change, deactivate and reactivate a teamlid; errors per field; reads audited;
    only a coordinator gets the pages."""
    _, site = services
    new = {"id": "sanne.teamlid", "name": "Sanne Smit", "background": "oud-raadslid",
           "home_lat": "52,09", "home_lon": "5,12", "max_per_week": "2", "max_per_month": "5",
           "languages": "nl, EN", "excluded_organisations": "gm0344",
           "preferred_weekdays": ["dinsdag"]}  # fmt: skip
    wrong = await site.post(
        "/scheduling/teamleden",
        data={**new, "name": "", "home_lat": "Utrecht", "languages": "nl, engels"},
        headers=HTML,
    )
    assert wrong.status_code == 422
    for message in ("Naam is verplicht", "Woonplaats: breedtegraad", "Talen"):
        assert message in wrong.text, message
    assert 'value="Utrecht"' in wrong.text  # what was typed stays
    created = await site.post("/scheduling/teamleden", data=new, headers=HTML)
    assert created.status_code == 303, created.text
    again = await site.post("/scheduling/teamleden", data=new, headers=HTML)
    assert again.status_code == 422 and "Er is al een teamlid met id sanne.teamlid" in again.text
    sanne = (await site.get(f"{API}/teamleden/sanne.teamlid")).json()
    assert sanne["home_lat"] == 52.09 and sanne["languages"] == ["nl", "en"]
    assert sanne["excluded_organisations"] == ["GM0344"] and sanne["max_per_month"] == 5

    page = await site.get("/scheduling/teamleden/sanne.teamlid", headers=HTML)
    assert page.status_code == 200 and 'value="52,0900"' in page.text
    assert 'href="/aftercare/peers/sanne.teamlid?naam=Sanne%20Smit"' in page.text
    bad_date = await site.post(
        "/scheduling/teamleden/sanne.teamlid",
        data={**new, "unavailable_dates": "volgende week", "version": "1"}, headers=HTML,
    )  # fmt: skip
    assert bad_date.status_code == 422 and "24-12-2026" in bad_date.text
    changed = await site.post(
        "/scheduling/teamleden/sanne.teamlid",
        data={**new, "name": "Sanne Smit-de Wit", "unavailable_dates": "31-12-2099",
              "version": "1"},
        headers=HTML,
    )  # fmt: skip
    assert changed.status_code == 303
    stale = await site.post(
        "/scheduling/teamleden/sanne.teamlid", data={**new, "version": "1"}, headers=HTML
    )
    assert stale.status_code == 409  # never silently overwritten

    listed = await site.get("/scheduling/teamleden", headers=HTML)
    assert "Sanne Smit-de Wit" in listed.text and "31 december 2099" in listed.text
    active = "SELECT active FROM teamlid WHERE id = 'sanne.teamlid'"
    for choice, version, shown in (("nee", "2", "nee (gedeactiveerd)"), ("ja", "3", "Deactiveren")):
        taken = await site.post(
            "/scheduling/teamleden/sanne.teamlid/deelname",
            data={"active": choice, "version": version},
            headers=HTML,
        )
        assert taken.status_code == 303
        assert await scalar(site, active) is (choice == "ja")
        assert shown in (await site.get("/scheduling/teamleden", headers=HTML)).text

    reads = "SELECT count(*) FROM audit_log WHERE object_type = 'teamlid' AND action = 'lezen'"
    assert await scalar(site, reads) >= 3
    tom = {**bearer("teamlid"), **HTML}
    assert (await site.get("/scheduling/teamleden", headers=tom)).status_code == 403
    assert "/scheduling/teamleden" not in (await site.get("/scheduling/", headers=tom)).text
