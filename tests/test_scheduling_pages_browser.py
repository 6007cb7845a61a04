"""Scheduling's pages in Chromium through Caddy, checked with axe (WCAG 2.1 A/AA): the inbox,
a planner run started from the page, agenda views, sessions by province, my agenda and my
availability (also without JavaScript)."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import pytest
from browser_support import sign_in
from ontour.clock import today
from ontour.testing.browser import assert_accessible

pytestmark = pytest.mark.browser

TEAM = [
    {"id": "tom.teamlid", "name": "Tom Bakker", "background": "oud-wethouder",
     "home_lat": 52.09, "home_lon": 5.12},
    {"id": "fatima.teamlid", "name": "Fatima El Amrani", "background": "oud-burgemeester",
     "gender": "vrouw", "home_lat": 52.37, "home_lon": 4.90},
]  # fmt: skip


@pytest.fixture(scope="module")
def tom_in_the_team(base_url, as_role):
    """Two teamleden and one request from intake, so a planner run proposes a session."""
    coordinator = as_role("coordinator")
    for member in TEAM:
        response = httpx.post(
            f"{base_url}/scheduling/api/v1/teamleden", json=member, headers=coordinator
        )
        assert response.status_code in (201, 409), response.text
    start = today() + timedelta(days=14)
    voorgesprek = {
        "organisation_code": "GM0599", "status": "gehouden", "held_on": "2025-05-01",
        "mode": "online", "session_wish": "ja",
        "preferred_periods": [{"start": start.isoformat(),
                               "end": (start + timedelta(days=20)).isoformat()}],
    }  # fmt: skip
    created = httpx.post(
        f"{base_url}/intake/api/v1/voorgesprekken", json=voorgesprek, headers=coordinator
    )
    assert created.status_code == 201, created.text
    for _ in range(100):
        requests = httpx.get(f"{base_url}/scheduling/api/v1/verzoeken", headers=coordinator)
        if any(r["organisation_code"] == "GM0599" for r in requests.json()):
            break
        time.sleep(0.1)


def test_a_coordinator_plans_from_the_pages(page, base_url, tom_in_the_team):
    sign_in(page, base_url, "coordinator")
    page.goto(f"{base_url}/scheduling/")
    assert page.get_by_role("heading", name="Sessieverzoeken").is_visible()
    assert_accessible(page)
    page.get_by_label("Tijdslimiet in seconden").fill("2")
    page.get_by_role("button", name="Start de planning").click()
    assert page.get_by_role("heading", name="Planningsronde").is_visible()
    assert_accessible(page)
    for _ in range(60):
        if page.get_by_text("Resultaat").count():
            break
        page.wait_for_timeout(500)
        page.get_by_role("link", name="Vernieuwen").click()
    assert page.get_by_role("heading", name="Resultaat").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Overnemen als voorstellen").click()
    page.get_by_role("link", name="Rotterdam").first.click()
    assert page.get_by_role("heading", name="Met de hand wijzigen").is_visible()
    assert_accessible(page)
    for path in (
        "/scheduling/agenda",
        "/scheduling/agenda?weergave=week",
        "/scheduling/sessies",
        "/scheduling/mijn-agenda",
    ):
        page.goto(f"{base_url}{path}")
        assert_accessible(page)


def test_a_teamlid_sets_availability_without_javascript(page_without_js, base_url, tom_in_the_team):
    page = page_without_js
    sign_in(page, base_url, "teamlid")
    page.goto(f"{base_url}/scheduling/mijn-beschikbaarheid")
    page.get_by_label("Data waarop ik niet kan").fill("24-12-2030")
    page.get_by_label("dinsdag").check()
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("Uw beschikbaarheid is opgeslagen").is_visible()
