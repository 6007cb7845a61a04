"""Aftercare's pages in Chromium through Caddy, checked with axe (WCAG 2.1 A/AA): the public
form on a phone and without JavaScript, the confirmation and status pages, and the
coordinator's queue and case page."""

from __future__ import annotations

import re

import pytest
from browser_support import sign_in
from ontour.testing.browser import PHONE, assert_accessible

pytestmark = pytest.mark.browser


def fill_in(page) -> None:
    page.get_by_label("raadslid", exact=True).check()
    page.get_by_label("online intimidatie").check()
    page.get_by_label("In uw eigen woorden").fill("Berichten op sociale media.")
    page.get_by_label("Uw naam").fill("Els Raadslid")
    page.get_by_label("U mag mijn verzoek bewaren en behandelen (nodig)").check()


def test_an_office_holder_asks_for_aftercare_on_a_phone(new_page, base_url):
    page = new_page(viewport=PHONE)
    page.goto(f"{base_url}/aftercare/")
    assert page.get_by_text("Acuut in gevaar? Bel 112.").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Verstuur mijn verzoek").click()
    assert page.get_by_role("alert").is_visible()  # nothing filled in: the errors, in Dutch
    assert_accessible(page)
    fill_in(page)
    page.get_by_role("button", name="Verstuur mijn verzoek").click()
    assert page.get_by_role("heading", name="Uw verzoek is ontvangen").is_visible()
    assert re.search(r"NZ-[A-Z0-9]{4}-[A-Z0-9]{4}", page.content())
    assert_accessible(page)
    page.locator("a[href*='/aftercare/status/']").first.click()
    assert page.get_by_role("heading", name="Uw nazorgverzoek").is_visible()
    assert_accessible(page)


def test_the_form_works_without_javascript(page_without_js, base_url):
    page = page_without_js
    page.goto(f"{base_url}/aftercare/")
    fill_in(page)
    page.get_by_role("button", name="Verstuur mijn verzoek").click()
    assert page.get_by_role("heading", name="Uw verzoek is ontvangen").is_visible()


def test_the_coordinator_queue_and_case_page_are_accessible(new_page, page, base_url):
    # A request of its own: the queue must show it whatever ran before on this stack.
    office_holder = new_page()
    office_holder.goto(f"{base_url}/aftercare/")
    fill_in(office_holder)
    office_holder.get_by_role("button", name="Verstuur mijn verzoek").click()
    assert office_holder.get_by_role("heading", name="Uw verzoek is ontvangen").is_visible()
    sign_in(page, base_url, "coordinator")
    page.goto(f"{base_url}/aftercare/wachtrij")
    assert page.get_by_role("heading", name="Wachtrij nazorg").is_visible()
    assert_accessible(page)
    # The closed and withdrawn requests: a view of their own, a page at a time.
    views = page.get_by_role("navigation", name="Verzoeken in de wachtrij")
    views.get_by_role("link", name="Afgesloten en ingetrokken").click()
    closed = "Wachtrij nazorg: afgesloten en ingetrokken"
    assert page.get_by_role("heading", name=closed).is_visible()
    assert (
        views.get_by_role("link", name="Afgesloten en ingetrokken").get_attribute("aria-current")
        == "page"
    )
    assert_accessible(page)
    views.get_by_role("link", name="Open", exact=True).click()
    page.locator("a[href^='/aftercare/verzoeken/']").first.click()
    assert page.get_by_text(
        "Persoonsgegevens: uw inzage van deze pagina wordt gelogd."
    ).is_visible()
    assert_accessible(page)
    for path in (
        "/aftercare/mijn-nazorg",
        "/aftercare/mijn-nazorg?afgesloten=true",
        "/aftercare/peers",
    ):
        page.goto(f"{base_url}{path}")
        assert_accessible(page)
