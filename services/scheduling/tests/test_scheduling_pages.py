"""Scheduling's pages over HTTP: inbox, a planner run from the page, the agenda, a session
with its outcome form, my availability (axe in tests/test_scheduling_pages_browser.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ontour.testing.plugin import eventually, scalar
from ontour.web import ui
from scheduling import pages
from service_support import API, TEAM, held, requests_arrived

HTML = {"Accept": "text/html"}


def test_every_text_of_the_pages_has_dutch():
    missing = ui.untranslated_messages(pages.LOCALE, pages.TEMPLATES, [Path(pages.__file__)])
    assert not missing, missing


@pytest.fixture
async def site(services):
    intake_api, api = services
    for member in TEAM:
        await api.post(f"{API}/teamleden", json=member)
    await intake_api.post("/intake/api/v1/voorgesprekken", json=held("GM0344"))
    await requests_arrived(api, 1)
    return api


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
