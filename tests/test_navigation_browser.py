"""Every user finds their work: each role signs in, starts on ``/`` and reaches every page of
that role by clicking only (the main menu, a service's own menu, links and buttons), each
page checked with axe (WCAG 2.1 A/AA), in Chromium through Caddy and the front door.

One module on the suite's one stack; one sign-in per role.
"""

from __future__ import annotations

import re

import httpx
import pytest
from browser_support import sign_in
from ontour.testing.browser import assert_accessible

pytestmark = pytest.mark.browser

# (menu item, address, main heading) per role, in the order of the menu.
COORDINATOR = [
    ("Intake", "/intake/", "Organisaties"),
    ("Planning", "/scheduling/", "Sessieverzoeken"),
    ("Wachtrij nazorg", "/aftercare/wachtrij", "Wachtrij nazorg"),
    ("Peers", "/aftercare/peers", "Peers en capaciteit"),
    ("Rapportage", "/reporting/", "Voortgang van de tour en de nazorg"),
    ("Beheer", "/beheer", "Beheer"),
]
TEAMLID = [
    ("Mijn agenda", "/scheduling/mijn-agenda", "Mijn agenda"),
    ("Mijn nazorg", "/aftercare/mijn-nazorg", "Mijn nazorg"),
    ("Mijn acties", "/intake/acties", "Mijn acties"),
    ("Mijn beschikbaarheid", "/scheduling/mijn-beschikbaarheid", "Mijn beschikbaarheid"),
    ("Intake", "/intake/", "Organisaties"),
    ("Planning", "/scheduling/", "Sessieverzoeken"),
    ("Rapportage", "/reporting/", "Voortgang van de tour en de nazorg"),
]
MINISTERIE = [("Rapportage", "/reporting/", "Voortgang van de tour en de nazorg")]
BEHEERDER = [("Beheer", "/beheer", "Beheer")]
TOM = {"id": "tom.teamlid", "name": "Tom Bakker", "background": "oud-wethouder",
       "home_lat": 52.09, "home_lon": 5.12}  # fmt: skip


@pytest.fixture(scope="module")
def tom_is_a_teamlid_and_a_peer(base_url, as_role):
    """Tom signs in as a teamlid: he is in the team (planning) and a peer (aftercare)."""
    coordinator = as_role("coordinator")
    peer = {**{k: TOM[k] for k in ("id", "name", "background")}, "gender": "man"}
    for path, body in (("/scheduling/api/v1/teamleden", TOM), ("/aftercare/api/v1/peers", peer)):
        response = httpx.post(f"{base_url}{path}", json=body, headers=coordinator)
        assert response.status_code in (201, 409), response.text


def main_menu(page):
    return page.get_by_role("navigation", name="Hoofdmenu")


def heading(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def walk_the_menu(page, base_url: str, expected: list[tuple[str, str, str]]) -> None:
    """The start page offers exactly the role's pages, and the menu leads to each of them."""
    assert page.url == f"{base_url}/"
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.get_by_text("Ontwikkelomgeving").first.is_visible()
    hrefs = [a.get_attribute("href") for a in main_menu(page).get_by_role("link").all()]
    assert hrefs == [href for _, href, _ in expected]
    cards = page.locator(".ot-cards").get_by_role("link")
    assert [a.get_attribute("href") for a in cards.all()] == hrefs
    assert "/aftercare/" not in hrefs  # the public request form is for office holders
    assert_accessible(page)
    for label, href, title in expected:
        # A service may add a note to its item ("(2 wachtend)"): match the start of the name.
        main_menu(page).get_by_role("link", name=re.compile(f"^{re.escape(label)}")).click()
        page.wait_for_url(f"{base_url}{href}")
        assert heading(page) == title, href
        assert main_menu(page).locator('[aria-current="page"]').get_attribute("href") == href
        assert_accessible(page)


def test_a_coordinator_reaches_intake_planning_aftercare_reporting_and_the_team(
    page, base_url, tom_is_a_teamlid_and_a_peer
):
    sign_in(page, base_url, "coordinator")
    walk_the_menu(page, base_url, COORDINATOR)
    menu = main_menu(page)
    assert menu.get_by_role("link", name="Mijn beschikbaarheid").count() == 0  # not a teamlid

    # On aftercare's pages the queue's item says how many wait.
    menu.get_by_role("link", name=re.compile("^Wachtrij nazorg")).click()
    assert re.search(r"\(\d+ wachtend", menu.get_by_role("link").nth(2).inner_text())

    # The team, from planning's own menu: add a teamlid, with errors per field first.
    menu.get_by_role("link", name="Planning").click()
    page.get_by_role("navigation", name="Planning").get_by_role("link", name="Teamleden").click()
    assert heading(page) == "Teamleden"
    assert page.get_by_role("cell", name="oud-wethouder").first.is_visible()  # Tom
    assert_accessible(page)
    page.get_by_role("link", name="Nieuw teamlid").click()
    assert heading(page) == "Nieuw teamlid"
    assert_accessible(page)
    page.get_by_label("Aanmeldnaam").fill("lotte.teamlid")
    page.get_by_label("Woonplaats: breedtegraad").fill("Utrecht")
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_role("link", name=re.compile("^Naam")).is_visible()  # in the summary
    assert_accessible(page)
    page.get_by_label("Naam", exact=True).fill("Lotte Jansen")
    page.get_by_label("Achtergrond").select_option("oud-statenlid")
    page.get_by_label("Woonplaats: breedtegraad").fill("51,69")
    page.get_by_label("Woonplaats: lengtegraad").fill("5,30")
    page.get_by_label("donderdag").check()
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("Het teamlid is opgeslagen.").is_visible()

    # Change her, take her out of the planning and back in, and find her peer profile.
    page.get_by_role("link", name="Lotte Jansen", exact=True).click()
    assert heading(page) == "Lotte Jansen"
    assert_accessible(page)
    page.get_by_label("Data waarop dit teamlid niet kan").fill("31-12-2099")
    page.get_by_role("button", name="Opslaan").click()
    row = page.get_by_role("row", name=re.compile("Lotte Jansen"))
    assert "31 december 2099" in row.inner_text()
    row.get_by_role("button", name=re.compile("^Deactiveren")).click()
    row = page.get_by_role("row", name=re.compile("Lotte Jansen"))
    assert "nee (gedeactiveerd)" in row.inner_text()
    row.get_by_role("button", name=re.compile("^Activeren")).click()

    # Her peer profile lives in aftercare: a new one, reached from the team page.
    page.get_by_role("row", name=re.compile("Lotte Jansen")).get_by_role(
        "link", name=re.compile("^Peerprofiel")
    ).click()
    assert heading(page) == "Nieuw peerprofiel"
    assert_accessible(page)
    page.get_by_label("Achtergrond").select_option("oud-statenlid")
    page.get_by_label("Gender").select_option("vrouw")
    page.get_by_label("online intimidatie").check()
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(f"{base_url}/aftercare/peers#peer-lotte.teamlid")
    assert page.locator("#peer-lotte\\.teamlid").is_visible()
    # ... and Tom's, a peer already, to change.
    page.get_by_role("link", name="Tom Bakker").click()
    assert heading(page) == "Peerprofiel: Tom Bakker"
    assert_accessible(page)


def test_a_teamlid_reaches_their_agenda_cases_actions_and_availability(
    page, base_url, tom_is_a_teamlid_and_a_peer
):
    sign_in(page, base_url, "teamlid")
    walk_the_menu(page, base_url, TEAMLID)
    main_menu(page).get_by_role("link", name="Mijn beschikbaarheid").click()
    page.get_by_label("Hoogstens per week").fill("1")
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("Uw beschikbaarheid is opgeslagen").is_visible()
    planning = page.get_by_role("navigation", name="Planning")
    assert planning.get_by_role("link", name="Teamleden").count() == 0  # the coordinator's


def test_the_ministry_reaches_reporting_only(page, base_url):
    sign_in(page, base_url, "ministerie")
    walk_the_menu(page, base_url, MINISTERIE)


def test_an_administrator_reaches_administration_and_each_services_events(page, base_url):
    sign_in(page, base_url, "beheerder")
    walk_the_menu(page, base_url, BEHEERDER)
    for service in ("Intake", "Planning", "Nazorg", "Rapportage"):
        page.get_by_role("link", name=f"Events ({service})").click()
        assert page.locator("html").get_attribute("lang") == "nl"
        assert_accessible(page)
        page.go_back()
