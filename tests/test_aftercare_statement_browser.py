"""The statement draft (verklaring voor melding of aangifte) in Chromium through Caddy: the
requester prepares it on a phone without JavaScript and downloads the PDF, shares it, and
their peer views it; every page checked with axe (WCAG 2.1 A/AA)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from browser_support import sign_in
from ontour.testing.browser import PHONE, assert_accessible
from pypdf import PdfReader

pytestmark = pytest.mark.browser
API = "/aftercare/api/v1"
STORY = "Berichten op sociale media. Mijn buurman Piet zag het ook."
REMOVED = "Mijn buurman Piet zag het ook."


def request_aftercare(page, base_url: str) -> str:
    """The public form, filled in on the page; the reference it got."""
    page.goto(f"{base_url}/aftercare/")
    page.get_by_label("raadslid", exact=True).check()
    page.get_by_label("online intimidatie").check()
    page.get_by_label("In uw eigen woorden").fill(STORY)
    page.get_by_label("Uw naam").fill("Els Raadslid")
    page.get_by_label("U mag mijn verzoek bewaren en behandelen (nodig)").check()
    page.get_by_role("button", name="Verstuur mijn verzoek").click()
    return re.search(r"NZ-[A-Z0-9]{4}-[A-Z0-9]{4}", page.content())[0]


def link_tom(base_url: str, coordinator: dict[str, str], reference: str) -> str:
    """The coordinator links Tom (the IdP's teamlid) as the peer; the case's id."""
    with httpx.Client(base_url=base_url, headers=coordinator, timeout=30) as api:
        tom = {"id": "tom.teamlid", "name": "Tom Bakker", "background": "oud-wethouder",
               "gender": "man"}  # fmt: skip
        found = api.get(f"{API}/peers/tom.teamlid")
        if found.status_code == 404:
            assert api.post(f"{API}/peers", json=tom).status_code == 201
        elif found.json()["active_cases"] >= found.json()["capacity"]:  # the suite's stack
            profile = found.json()
            del profile["version"], profile["active_cases"]
            more = {**profile, "capacity": profile["capacity"] + 1}
            changed = api.put(f"{API}/peers/tom.teamlid", json=more,
                              headers={"If-Match": found.headers["ETag"]})  # fmt: skip
            assert changed.status_code in (200, 204), changed.text
        queue = api.get(f"{API}/verzoeken?perPagina=100").json()["items"]
        case = next(c for c in queue if c["reference"] == reference)
        linked = api.post(
            f"{API}/verzoeken/{case['id']}/koppeling",
            json={"peer_id": "tom.teamlid", "version": case["version"],
                  "override_reason": "test van de verklaring"},
        )  # fmt: skip
        assert linked.status_code == 204, linked.text
        return str(case["id"])


def test_the_requester_prepares_and_prints_a_statement_and_the_peer_sees_it(
    new_page, page, base_url, as_role, tmp_path: Path
):
    phone = new_page(viewport=PHONE, java_script_enabled=False, accept_downloads=True)
    reference = request_aftercare(phone, base_url)
    phone.locator("a[href*='/aftercare/status/']").first.click()
    case_id = link_tom(base_url, as_role("coordinator"), reference)
    phone.get_by_role("link", name="Een verklaring voor de politie voorbereiden").click()
    assert phone.get_by_role("heading", name="Verklaring voor melding of aangifte").is_visible()
    statement_url = phone.url
    told = phone.get_by_label("Wat er is gezegd of gedaan")
    assert told.input_value() == STORY  # pre-filled from the request
    # Too long: the errors are summed up in Dutch, and nothing is kept.
    phone.get_by_label("Plaats").fill("x" * 301)
    phone.get_by_role("button", name="Verklaring opslaan").click()
    assert phone.get_by_role("alert").is_visible()
    assert phone.get_by_text("Plaats: maximaal 300 tekens").first.is_visible()
    with_js = new_page(viewport=PHONE)  # axe needs JavaScript: the same pages, checked
    with_js.goto(statement_url)
    assert_accessible(with_js)
    with_js.get_by_label("Plaats").fill("x" * 301)
    with_js.get_by_role("button", name="Verklaring opslaan").click()
    assert with_js.get_by_role("alert").is_visible()
    assert_accessible(with_js)

    phone.get_by_label("Plaats").fill("Online, op mijn openbare account")
    told.fill("Berichten op sociale media.")  # the requester removes a sentence
    phone.get_by_label("Datum", exact=True).fill("2026-11-30")
    phone.get_by_label("Platform of website").fill("Instagram")
    phone.get_by_label("Schermafbeelding 1: wat is te zien").fill("Het eerste bericht")
    phone.get_by_label("Adres van uw organisatie").fill("Raadhuisplein 1, 1234 AB Ergens")
    phone.get_by_role("button", name="Verklaring opslaan").click()
    assert phone.get_by_text("De verklaring is opgeslagen.").is_visible()
    with phone.expect_download() as download:
        phone.get_by_role("link", name="Verklaring downloaden (PDF)").click()
    saved = tmp_path / "verklaring.pdf"
    download.value.save_as(saved)
    printed = " ".join(
        " ".join(p.extract_text() for p in PdfReader(saved).pages).split()
    )  # fmt: skip
    for entry in ("Online, op mijn openbare account", "Berichten op sociale media.",
                  "30 november 2026", "Instagram", "Het eerste bericht",
                  "Raadhuisplein 1, 1234 AB Ergens"):  # fmt: skip
        assert entry in printed, entry
    assert REMOVED not in printed and "Els Raadslid" not in printed
    phone.get_by_role("button", name="Delen met mijn peer").click()
    assert phone.get_by_text("Uw peer kan deze verklaring zien").is_visible()

    with_js.goto(statement_url)  # saved and shared: the PDF, the text, sharing, deleting
    assert_accessible(with_js)

    sign_in(page, base_url, "teamlid")
    page.goto(f"{base_url}/aftercare/verzoeken/{case_id}")
    page.get_by_role("link", name=re.compile("Verklaring voor melding of aangifte")).click()
    assert page.get_by_label("Plaats").input_value() == "Online, op mijn openbare account"
    assert page.get_by_text("uw inzage van deze pagina wordt gelogd").is_visible()
    assert_accessible(page)
