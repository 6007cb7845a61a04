"""Follow-up steps in Chromium through Caddy, checked with axe (WCAG 2.1 A/AA): the requester
records what they did from the status link on a phone without JavaScript, and the peer records
a step on the case page."""

from __future__ import annotations

import httpx
import pytest
from browser_support import sign_in
from ontour.testing.browser import PHONE, assert_accessible

pytestmark = pytest.mark.browser

API = "/aftercare/api/v1"
REQUEST = {
    "role": "wethouder",
    "incident_categories": ["bedreiging"],
    "gender_wish": "geen voorkeur",
    "name": "Karel Wethouder (fictief)",
    "consent_handling": True,
    "consent_share_with_peer": True,
    "consent_statistics": True,
}
TOM = {"id": "tom.teamlid", "name": "Tom Bakker", "background": "oud-wethouder",
       "gender": "man", "capacity": 20}  # fmt: skip


def ask(base_url: str) -> dict:
    received = httpx.post(f"{base_url}{API}/verzoeken", json=REQUEST)
    assert received.status_code == 201, received.text
    return received.json()


def test_the_requester_records_a_step_from_the_status_link_on_a_phone_without_javascript(
    new_page, base_url
):
    status = "/aftercare/status/" + ask(base_url)["status_url"].rsplit("/", 1)[1]
    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto(f"{base_url}{status}")
    assert page.get_by_role("heading", name="Wat heeft u sindsdien gedaan?").is_visible()
    page.get_by_label("aangifte", exact=True).check()
    page.get_by_label("afgezien", exact=True).check()
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_role("alert").is_visible()  # no reason: said in Dutch, nothing saved
    assert page.get_by_text("kies waarom er van deze stap is afgezien").first.is_visible()
    page.get_by_label("angst voor gevolgen", exact=True).check()
    page.get_by_role("button", name="Leg de stap vast").click()
    assert page.get_by_role("heading", name="Uw nazorgverzoek").is_visible()
    assert page.get_by_role("cell", name="angst voor gevolgen").is_visible()
    checked = new_page(viewport=PHONE)  # axe runs as JavaScript
    checked.goto(f"{base_url}{status}")
    assert_accessible(checked)


def test_the_peer_records_a_step_on_the_case_page(page, base_url, as_role):
    coordinator = as_role("coordinator")
    made = httpx.post(f"{base_url}{API}/peers", json=TOM, headers=coordinator)
    assert made.status_code in (201, 409), made.text
    reference = ask(base_url)["reference"]
    queue = httpx.get(f"{base_url}{API}/verzoeken?perPagina=100", headers=coordinator).json()
    queue = queue["items"]
    case_id = next(c["id"] for c in queue if c["reference"] == reference)
    linked = httpx.post(f"{base_url}{API}/verzoeken/{case_id}/koppeling", headers=coordinator,
                        json={"peer_id": "tom.teamlid", "override_reason": "test",
                              "version": 1})  # fmt: skip
    assert linked.status_code == 204, linked.text
    sign_in(page, base_url, "teamlid")
    page.goto(f"{base_url}/aftercare/verzoeken/{case_id}")
    assert page.get_by_role("heading", name="Vervolgstappen", exact=True).is_visible()
    assert page.get_by_role("heading", name="Wat u nu kunt aanbieden").is_visible()
    assert_accessible(page)
    page.get_by_label("aangifte", exact=True).check()
    page.get_by_label("afgerond", exact=True).check()
    page.get_by_label("Registratienummer van de aangifte").fill("PL0900-2026 4711")
    page.get_by_role("button", name="Leg de stap vast").click()
    assert page.get_by_role("cell", name="PL0900-2026 4711").is_visible()
    assert_accessible(page)
