"""The UI kit without a browser: Dutch formatting, navigation by role, forms, rendering."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Literal

import httpx
import pytest
from fastapi.exceptions import RequestValidationError
from ontour.formatting import (
    format_datum,
    format_datumtijd,
    format_getal,
    format_procent,
    format_tijd,
)
from ontour.web.forms import FormState, field_id, form_errors, form_values
from ontour.web.navigation import current_href, navigation_for, role_labels
from pydantic import BaseModel, Field, ValidationError, field_validator
from starlette.datastructures import FormData
from ui_support import kit_app

# --------------------------------------------------------------------------- formatting


def test_dates_have_dutch_month_and_day_names():
    assert format_datum(date(2025, 3, 1)) == "1 maart 2025"
    assert format_datum(date(2025, 10, 15)) == "15 oktober 2025"
    assert format_datum(date(2025, 3, 1), "short") == "01-03-2025"
    assert format_datum(date(2025, 3, 1), "full") == "zaterdag 1 maart 2025"
    assert format_datum("2025-05-05") == "5 mei 2025"
    assert format_datum(None) == ""


def test_times_are_in_amsterdam_with_summer_and_winter_time():
    winter = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
    summer = datetime(2025, 7, 15, 12, 0, tzinfo=UTC)
    assert format_datumtijd(winter) == "15 januari 2025 om 13:00"
    assert format_datumtijd(summer) == "15 juli 2025 om 14:00"
    assert format_tijd(summer) == "14:00"
    assert format_tijd(time(9, 5)) == "09:05"
    # Naive datetimes are UTC by convention.
    assert format_datumtijd(datetime(2025, 7, 15, 12, 0)) == "15 juli 2025 om 14:00"
    assert format_datumtijd("2025-07-15T12:00:00+00:00") == "15 juli 2025 om 14:00"


def test_the_change_to_summer_time_and_the_date_line():
    # 30 March 2025, 01:00 UTC is the moment clocks go from 02:00 to 03:00.
    assert format_tijd(datetime(2025, 3, 30, 0, 59, tzinfo=UTC)) == "01:59"
    assert format_tijd(datetime(2025, 3, 30, 1, 0, tzinfo=UTC)) == "03:00"
    # 26 October 2025, 01:00 UTC: back from 03:00 to 02:00.
    assert format_tijd(datetime(2025, 10, 26, 0, 30, tzinfo=UTC)) == "02:30"
    assert format_tijd(datetime(2025, 10, 26, 1, 30, tzinfo=UTC)) == "02:30"
    # 23:30 UTC on 31 December is already New Year's Day in Amsterdam.
    new_year = datetime(2024, 12, 31, 23, 30, tzinfo=UTC)
    assert format_datum(new_year) == "1 januari 2025"
    assert format_datumtijd(new_year, "full") == "woensdag 1 januari 2025 om 00:30"


def test_numbers_are_dutch():
    assert format_getal(1234567) == "1.234.567"
    assert format_getal(1234.5) == "1.234,5"
    assert format_getal(Decimal("0.5"), 2) == "0,50"
    assert format_getal(3, 0) == "3"
    assert format_procent(0.256) == "26%"
    assert format_procent(0.256, 1) == "25,6%"
    assert format_getal(None) == ""


# --------------------------------------------------------------------------- navigation


def _menu(roles: Any) -> list[tuple[str, str]]:
    return [(item.label, item.href) for item in navigation_for(roles)]


COORDINATOR_MENU = [
    ("Intake", "/intake/"),
    ("Planning", "/scheduling/"),
    ("Wachtrij nazorg", "/aftercare/wachtrij"),
    ("Peers", "/aftercare/peers"),
    ("Rapportage", "/reporting/"),
    ("Beheer", "/beheer"),
]
TEAMLID_MENU = [
    ("Mijn agenda", "/scheduling/mijn-agenda"),
    ("Mijn nazorg", "/aftercare/mijn-nazorg"),
    ("Mijn acties", "/intake/acties"),
    ("Mijn beschikbaarheid", "/scheduling/mijn-beschikbaarheid"),
    ("Intake", "/intake/"),
    ("Planning", "/scheduling/"),
    ("Rapportage", "/reporting/"),
]


def test_navigation_for_each_role():
    assert _menu({"coordinator"}) == COORDINATOR_MENU
    assert _menu({"teamlid"}) == TEAMLID_MENU
    assert _menu({"ministerie"}) == [("Rapportage", "/reporting/")]
    assert _menu({"beheerder"}) == [("Beheer", "/beheer")]
    assert _menu(None) == [("Nazorg aanvragen", "/aftercare/"), ("Aanmelden", "/aanmelden")]


def test_only_a_visitor_is_sent_to_the_public_request_form():
    for role in ("coordinator", "teamlid", "ministerie", "beheerder"):
        assert "/aftercare/" not in [href for _, href in _menu({role})], role
    # A coordinator who is not a teamlid has no availability of their own to keep.
    assert "/scheduling/mijn-beschikbaarheid" not in dict(_menu({"coordinator"})).values()


def test_navigation_merges_roles_and_ignores_unknown_ones():
    both = _menu({"teamlid", "coordinator"})
    assert sorted(both) == sorted(set(COORDINATOR_MENU) | set(TEAMLID_MENU))
    assert len(both) == len({href for _, href in both})  # the union, without duplicates
    assert both[:4] == TEAMLID_MENU[:4]  # their own work first
    assert _menu(frozenset({"ministerie", "beheerder"})) == [
        ("Rapportage", "/reporting/"),
        ("Beheer", "/beheer"),
    ]
    assert _menu({"hacker"}) == []  # signed in without a known role: nothing
    assert _menu(frozenset()) == []
    assert all(item.description for item in navigation_for({"coordinator", "teamlid"}))


def test_the_current_menu_item():
    items = navigation_for({"coordinator", "beheerder"})
    assert current_href(items, "/intake/") == "/intake/"
    assert current_href(items, "/intake/organisaties/GM0014") == "/intake/"
    assert current_href(items, "/beheer") == "/beheer"
    assert current_href(items, "/aftercare/wachtrij") == "/aftercare/wachtrij"
    mine = navigation_for({"coordinator", "teamlid"})
    assert current_href(mine, "/scheduling/mijn-agenda") == "/scheduling/mijn-agenda"
    assert current_href(mine, "/scheduling/agenda") == "/scheduling/"
    assert current_href(items, "/") is None
    assert current_href(items, "/intakes") is None


def test_role_labels():
    assert role_labels({"teamlid", "coordinator"}) == "Coördinator, Teamlid"
    assert role_labels({"ministerie"}) == "Ministerie van BZK"


# --------------------------------------------------------------------------- form errors


class _Form(BaseModel):
    name: str = Field(min_length=2)
    tier: Literal["gemeente", "provincie"]
    held_on: date
    count: int = 0

    @field_validator("held_on")
    @classmethod
    def _not_in_future(cls, value: date) -> date:
        if value > date(2030, 1, 1):
            raise ValueError("ligt in de toekomst")
        return value


LABELS = {"name": "Naam", "tier": "Bestuurslaag", "held_on": "Datum"}


def _errors(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        _Form.model_validate(data)
    return form_errors(caught.value, LABELS)


def test_form_errors_from_a_validation_error():
    assert _errors({"name": "", "tier": "", "held_on": ""}) == {
        "name": "Naam is verplicht",
        "tier": "Bestuurslaag is verplicht",
        "held_on": "Datum is verplicht",
    }
    assert _errors({"name": "A", "tier": "rijk", "held_on": "2099-01-01", "count": "x"}) == {
        "name": "Naam is te kort",
        "tier": "Bestuurslaag heeft geen toegestane waarde",
        "held_on": "Datum ligt in de toekomst",
        "count": "Dit veld moet een geheel getal zijn",
    }


def test_form_errors_from_invalid_params_and_request_validation():
    params = [
        {"name": "name", "reason": "is verplicht"},
        {"name": "name", "reason": "is te kort"},
        {"name": "held_on", "reason": "Kies een datum na de start van de tour."},
    ]
    assert form_errors(params, LABELS) == {
        "name": "Naam is verplicht",
        "held_on": "Kies een datum na de start van de tour.",
    }
    exc = RequestValidationError(
        [{"type": "missing", "loc": ("body", "tier"), "msg": "Field required", "input": None}]
    )
    assert form_errors(exc, LABELS) == {"tier": "Bestuurslaag is verplicht"}


def test_form_values_keep_what_was_typed():
    form = FormData([("name", "Jan"), ("topics", "a"), ("csrf_token", "t"), ("x", "1"), ("x", "2")])
    values = form_values(form, lists=["topics", "other"])
    assert values == {"name": "Jan", "topics": ["a"], "other": [], "x": ["1", "2"]}
    state = FormState(values)
    assert state.value("name") == "Jan"
    assert state.value("missing") == ""
    assert state.selected("topics") == ["a"]
    assert FormState({"codes": " GM0363,GM0014  PV26 "}).words("codes") == [
        "GM0363",
        "GM0014",
        "PV26",
    ]
    assert state.words("missing") == []
    typed = [
        {"name": "languages.1", "reason": "is ongeldig"},
        {"name": "languages.2", "reason": "x"},
    ]
    assert FormState({}).with_field_errors(typed, {"languages": "Talen"}).errors == {
        "languages": "Talen is ongeldig"
    }
    assert not state.has_errors
    assert state.with_errors([{"name": "name", "reason": "is te kort"}], LABELS).errors == {
        "name": "Naam is te kort"
    }


def test_field_ids():
    assert field_id("held_on") == "held_on"
    assert field_id("address.street") == "address-street"


# --------------------------------------------------------------------------- rendering


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=kit_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://kit.test") as c:
        yield c


async def test_the_base_layout(client: httpx.AsyncClient):
    response = await client.get("/")
    html = response.text
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert '<html lang="nl">' in html
    assert '<a class="ot-skip-link" href="#inhoud">Naar de inhoud</a>' in html
    assert '<main id="inhoud"' in html
    assert '<nav class="ot-nav" aria-label="Hoofdmenu">' in html
    assert "On Tour <span" in html and "Ondersteuningsteam Weerbaar Bestuur" in html
    assert 'href="/toegankelijkheid"' in html
    assert 'href="/static/ontour.css"' in html
    assert 'href="/aanmelden">Aanmelden</a>' in html
    assert "Ontwikkelomgeving — geen echte gegevens invoeren" in html
    assert "<script" not in html


async def test_the_start_page_for_anonymous_users(client: httpx.AsyncClient):
    html = (await client.get("/")).text
    assert "Bij acuut gevaar: bel 112." in html
    assert "0900-8844" in html
    assert re.search(r'<a href="/aftercare/" class="ot-button[^"]*">Nazorg aanvragen</a>', html)
    assert "Afmelden" not in html


@pytest.mark.parametrize(
    ("roles", "expected", "absent"),
    [
        (
            "coordinator",
            ['"/intake/"', '"/scheduling/"', '"/aftercare/wachtrij"', '"/reporting/"', '"/beheer"'],
            ['"/aftercare/"', "mijn-beschikbaarheid"],
        ),
        (
            "teamlid",
            ['"/aftercare/mijn-nazorg"', '"/scheduling/mijn-beschikbaarheid"', '"/intake/acties"'],
            ['"/beheer"', '"/aftercare/"'],
        ),
        ("ministerie", ['"/reporting/"'], ["/intake/", "/aftercare/", "/scheduling/"]),
        (
            "beheerder",
            ['"/beheer"', "/intake/health/ready", "/reporting/asyncapi"],
            ['"/aftercare/"'],
        ),
        ("", ["U hebt nog geen rol"], ["/intake/", "/reporting/"]),
    ],
)
async def test_the_start_page_by_role(
    client: httpx.AsyncClient, roles: str, expected: list[str], absent: list[str]
):
    html = (await client.get("/", params={"als": roles})).text
    assert "Welkom, Anna de Vries" in html
    assert '<form method="post" action="/afmelden">' in html
    assert '<input type="hidden" name="csrf_token" value="csrf-123">' in html
    assert "Aanmelden" not in html
    for text in expected:
        assert text in html
    for text in absent:
        assert text not in html


async def test_the_current_page_is_marked_in_the_menu(client: httpx.AsyncClient):
    html = (await client.get("/intake/", params={"als": "coordinator"})).text
    assert '<a href="/intake/" aria-current="page">Intake</a>' in html
    assert html.count('aria-current="page"') == 1
    assert 'href="/intake/static/ontour.css"' in html
    css = await client.get("/intake/static/ontour.css")
    assert css.status_code == 200 and "--ot-focus" in css.text


async def test_the_accessibility_statement_and_the_error_page(client: httpx.AsyncClient):
    html = (await client.get("/toegankelijkheid")).text
    assert "WCAG" in html and "EN 301 549" in html and "ot@weerbaarbestuur.nl" in html
    response = await client.get("/fout/404")
    assert response.status_code == 404
    assert "<h1>Pagina niet gevonden</h1>" in response.text
    assert "foutcode 404" in response.text
    response = await client.get("/fout/500")
    assert response.status_code == 500 and "Er ging iets mis" in response.text
    assert 'href="/aanmelden"' in (await client.get("/fout/401")).text


async def test_the_development_banner_follows_the_environment():
    for app, shown in [
        (kit_app(development=False), False),
        (kit_app(development=None, environment="production"), False),
        (kit_app(development=None, environment="test"), True),
    ]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kit.test") as c:
            html = (await c.get("/")).text
        assert ("Ontwikkelomgeving" in html) is shown


async def test_a_form_keeps_what_the_user_typed(client: httpx.AsyncClient):
    response = await client.post(
        "/voorbeeld",
        data={
            "csrf_token": "csrf-123",
            "name": 'Jan "JJ" <de Vries>',
            "tier": "provincie",
            "province": "Fryslân",
            "topics": ["online", "bedreiging"],
            "notes": "Regel 1\nRegel 2 & meer",
        },
    )
    html = response.text
    assert response.status_code == 422
    assert "<title>Fout: Onderdelen van de UI-kit — On Tour</title>" in html
    assert 'role="alert"' in html and "Er is iets niet goed ingevuld" in html
    assert '<li><a href="#email">E-mailadres is verplicht</a></li>' in html
    assert '<li><a href="#meeting_on">Datum van de bijeenkomst is verplicht</a></li>' in html
    assert "#name" not in html  # the name was fine
    assert 'value="Jan &#34;JJ&#34; &lt;de Vries&gt;"' in html
    assert re.search(r'id="tier-2" name="tier" value="provincie" checked', html)
    assert '<option value="Fryslân" selected>' in html
    assert re.search(r'value="bedreiging" checked', html)
    assert re.search(r'value="online" checked', html)
    assert not re.search(r'value="intimidatie" checked', html)
    assert ">Regel 1\nRegel 2 &amp; meer</textarea>" in html
    assert 'aria-describedby="email-hint email-error" aria-invalid="true"' in html
    assert '<p id="email-error" class="ot-error-message">' in html


async def test_a_valid_form_says_so(client: httpx.AsyncClient):
    response = await client.post(
        "/voorbeeld",
        data={
            "name": "Jan",
            "email": "jan@example.org",
            "tier": "gemeente",
            "province": "Utrecht",
            "topics": "online",
            "meeting_on": "2025-03-15",
        },
    )
    assert response.status_code == 200
    assert "Het formulier is goed ingevuld" in response.text
    assert "Er is iets niet goed ingevuld" not in response.text


async def test_the_pager_of_a_list_keeps_its_filters(client: httpx.AsyncClient):
    """A list a page at a time (the example shows page 2 of 3): previous and next keep the
    other query parameters and change only ``pagina``."""
    html = (await client.get("/voorbeeld?fouten=false&pagina=2")).text
    assert '<nav aria-label="Pagina\'s">' in html and "Pagina 2 van 3" in html
    assert '<a href="?fouten=false&amp;pagina=1" rel="prev">Vorige pagina</a>' in html
    assert '<a href="?fouten=false&amp;pagina=3" rel="next">Volgende pagina</a>' in html
