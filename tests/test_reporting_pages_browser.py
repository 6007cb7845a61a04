"""The reporting dashboard in Chromium through Caddy, checked with axe (WCAG 2.1 A/AA), for
the ministry (tour and aftercare) and a teamlid (tour only), also without JavaScript."""

from __future__ import annotations

import re

import pytest
from browser_support import sign_in
from ontour.testing.browser import assert_accessible

pytestmark = pytest.mark.browser


def test_the_ministry_sees_the_dashboard_with_tables_and_charts(page, base_url):
    sign_in(page, base_url, "ministerie")
    page.goto(f"{base_url}/reporting/")
    assert page.get_by_role("heading", name="Voortgang van de tour en de nazorg").is_visible()
    assert page.get_by_role("heading", name="Kerncijfers", exact=True).is_visible()
    assert page.get_by_role("heading", name="Tour (actueel)").is_visible()
    assert page.get_by_role("heading", name=re.compile(r"^Nazorg \(per kwartaal")).is_visible()
    assert page.get_by_role("table", name="Kerncijfers van de tour").is_visible()
    assert page.get_by_role("img", name="Kaart: hoe ver de tour per gemeente is").is_visible()
    provinces = page.get_by_role("img", name="Kaart: aandeel van de gemeenten met een"
                                 " voorgesprek, per provincie")  # fmt: skip
    assert provinces.is_visible()
    assert provinces.locator("text").count() == 12  # every province labelled with its share
    page.get_by_text("Tabel: alle gemeenten (342)").click()
    assert page.get_by_role("row", name="Utrecht GM0344").is_visible()
    assert_accessible(page)


def test_a_teamlid_sees_the_tour_only(page_without_js, base_url):
    page = page_without_js
    sign_in(page, base_url, "teamlid")
    page.goto(f"{base_url}/reporting/?van=2024-01-01")
    assert page.get_by_role("heading", name="Tour (actueel)").is_visible()
    assert page.get_by_role("heading", name=re.compile(r"^Nazorg")).count() == 0


def test_the_teamlid_view_is_accessible(page, base_url):
    sign_in(page, base_url, "teamlid")
    page.goto(f"{base_url}/reporting/")
    assert_accessible(page)
