"""The reporting dashboard in Chromium through Caddy, checked with axe (WCAG 2.1 A/AA), for
the ministry (tour and aftercare) and a teamlid (tour only), also without JavaScript."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from browser_support import sign_in
from ontour.db import create_engine, session_factory
from ontour.devstack.stack import Stack, database_url
from ontour.messaging.streams import stream_for
from ontour.testing.browser import assert_accessible
from ontour.testing.delivery import wait_caught_up
from reporting.handlers import consumers

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", autouse=True)
def register_in_reporting(stack: Stack) -> None:
    """Reporting has projected the register intake loaded on its first start: the dashboard
    shows the whole register, not the part that arrived so far (a race on a busy machine)."""

    async def caught_up() -> None:
        assert stack.database_server_url is not None
        engines = [
            create_engine(database_url(stack.database_server_url, stack.database_prefix + name))
            for name in ("intake", "reporting")
        ]
        [tour] = [consumer for consumer in consumers if consumer.stream == stream_for("intake")]
        try:
            await wait_caught_up(
                tour, producer=session_factory(engines[0]), sessions=session_factory(engines[1])
            )
        finally:
            for engine in engines:
                await engine.dispose()

    # In a thread of its own: the browser's sync API keeps an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, caught_up()).result()


def test_the_ministry_sees_the_dashboard_with_tables_and_charts(page, base_url):
    sign_in(page, base_url, "ministerie")
    page.goto(f"{base_url}/reporting/")
    assert page.get_by_role("heading", name="Voortgang van de tour en de nazorg").is_visible()
    assert page.get_by_role("heading", name="Kerncijfers", exact=True).is_visible()
    assert page.get_by_role("heading", name="Tour (actueel)").is_visible()
    assert page.get_by_role("heading", name=re.compile(r"^Nazorg \(per kwartaal")).is_visible()
    assert page.get_by_role("table", name="Kerncijfers van de tour").is_visible()
    assert page.get_by_role("heading", name="Melden helpt: afspraken tegen agressie").is_visible()
    melden = page.get_by_role("table", name=re.compile(r"^Melden helpt: organisaties met een"))
    assert melden.get_by_role("columnheader", name="agressieprotocol nu: aandeel").is_visible()
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
