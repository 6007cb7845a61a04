"""Intake's pages in Chromium through Caddy: the voorgesprek form filled in by hand, with and
without JavaScript, every page checked with axe (WCAG 2.1 A/AA)."""

from __future__ import annotations

import pytest
from browser_support import sign_in
from ontour.testing.browser import assert_accessible

pytestmark = pytest.mark.browser


def test_a_coordinator_records_a_voorgesprek_and_every_page_is_accessible(page, base_url):
    sign_in(page, base_url, "coordinator")
    page.goto(f"{base_url}/intake/?provincie=PV27")
    assert page.get_by_role("heading", name="Organisaties").is_visible()
    assert_accessible(page)

    page.goto(f"{base_url}/intake/voorgesprekken/nieuw?organisatie=GM0363")
    assert_accessible(page)
    # A mistake first: no form of conversation. The page says so and keeps what was typed.
    page.get_by_label("Teamleden").fill("tom.teamlid")
    page.get_by_label("Aantal bekende incidenten").fill("2")
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Teamleden").input_value() == "tom.teamlid"
    assert_accessible(page)

    page.get_by_label("online", exact=True).check()
    page.get_by_label("nazorg").check()
    page.get_by_label("ja", exact=True).first.check()
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("Het voorgesprek is opgeslagen").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Wijzigen").click()
    assert page.get_by_label("Teamleden").input_value() == "tom.teamlid"
    assert_accessible(page)

    page.goto(f"{base_url}/intake/organisaties/GM0363")
    assert page.get_by_text("sessie gewenst").first.is_visible()
    assert_accessible(page)

    # "Niet publiceren" on the organisation page: a mistake first, then saved, in the timeline.
    page.get_by_label("Niet publiceren").check()
    page.get_by_label("Toelichting").fill("x" * 201)
    page.get_by_role("button", name="Publicatie opslaan").click()
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page)
    page.get_by_label("Toelichting").fill("op verzoek van de griffie")
    page.get_by_role("button", name="Publicatie opslaan").click()
    assert page.get_by_text("De keuze voor publicatie is opgeslagen").is_visible()
    assert page.get_by_text("Publicatie: publiceren → niet publiceren").is_visible()
    assert_accessible(page)
    for path in ("/intake/acties", "/intake/import", "/intake/organisaties/GM0363/contacten"):
        page.goto(f"{base_url}{path}")
        assert_accessible(page)


def test_the_form_works_without_javascript(page_without_js, base_url):
    page = page_without_js
    sign_in(page, base_url, "teamlid")
    page.goto(f"{base_url}/intake/voorgesprekken/nieuw?organisatie=GM0014")
    page.get_by_label("telefonisch").check()
    page.get_by_role("button", name="Opslaan").click()
    assert page.get_by_text("Het voorgesprek is opgeslagen").is_visible()


def test_not_published_is_set_without_javascript(page_without_js, base_url):
    page = page_without_js
    sign_in(page, base_url, "coordinator")
    page.goto(f"{base_url}/intake/organisaties/GM0034")
    page.get_by_label("Niet publiceren").check()
    page.get_by_role("button", name="Publicatie opslaan").click()
    assert page.get_by_text("De keuze voor publicatie is opgeslagen").is_visible()
    assert page.get_by_text("niet gepubliceerd", exact=True).is_visible()


QUESTIONS = {
    "Heeft de organisatie een agressieprotocol?": "nee",
    "Heeft de organisatie een meldpunt voor ambtsdragers?": "ja",
    "Heeft de organisatie een vast contactpersoon bij de politie?": "onbekend",
    "Heeft de organisatie afspraken over domiciliekeuze?": "nee",
}


def answer(page, questions: dict[str, str]) -> None:
    for question, choice in questions.items():
        page.get_by_role("group", name=question).get_by_label(choice, exact=True).check()


def test_a_coordinator_records_the_arrangements_at_the_voorgesprek(page, base_url):
    sign_in(page, base_url, "coordinator")
    page.goto(f"{base_url}/intake/voorgesprekken/nieuw?organisatie=GM0375")
    page.get_by_label("Teamleden").fill("tom.teamlid")
    page.get_by_label("fysiek", exact=True).check()
    page.get_by_role("button", name="Opslaan", exact=True).click()
    assert page.get_by_text("Het voorgesprek is opgeslagen").is_visible()
    assert page.get_by_role("heading", name="Afspraken tegen agressie", exact=True).is_visible()
    # A mistake first: one question left open. The page says so and keeps the answers.
    answer(page, {q: a for q, a in QUESTIONS.items() if "politie" not in q})
    page.get_by_role("button", name="Antwoorden opslaan").click()
    assert page.get_by_role("alert").is_visible()
    group = page.get_by_role("group", name="Heeft de organisatie een agressieprotocol?")
    assert group.get_by_label("nee", exact=True).is_checked()
    assert_accessible(page)
    answer(page, QUESTIONS)
    page.get_by_role("button", name="Antwoorden opslaan").click()
    assert page.get_by_text("De antwoorden zijn opgeslagen").is_visible()
    assert_accessible(page)

    # Later, on the organisation page: the protocol is there now; the history keeps both.
    page.goto(f"{base_url}/intake/organisaties/GM0375")
    answer(page, {"Heeft de organisatie een agressieprotocol?": "ja"})
    page.get_by_role("button", name="Antwoorden opslaan").click()
    assert page.get_by_text("De antwoorden zijn opgeslagen").is_visible()
    history = page.get_by_role("region", name="Geschiedenis van de antwoorden (nieuwste eerst)")
    assert history.get_by_role("row").count() == 1 + 5
    assert page.get_by_text("Agressieprotocol: nee → ja").is_visible()
    assert_accessible(page)


def test_the_arrangements_are_recorded_without_javascript(page_without_js, base_url):
    page = page_without_js
    sign_in(page, base_url, "coordinator")
    page.goto(f"{base_url}/intake/organisaties/GM0384")
    answer(page, QUESTIONS)
    page.get_by_role("button", name="Antwoorden opslaan").click()
    assert page.get_by_text("De antwoorden zijn opgeslagen").is_visible()
