"""The UI kit in a real browser (Debian's Chromium via Playwright), checked with axe-core.

Every page of the kit, as every kind of user, on a desktop and on a phone: zero WCAG 2.1
A/AA violations. And: forms work without JavaScript, the skip link moves the focus, the
focus is always visible, targets are large enough, nothing comes from elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

# The fixtures and hooks of the browser plugin; its asserts are rewritten like a conftest's.
from ontour.testing.browser import DESKTOP, PHONE, assert_accessible, axe_violations, serve
from playwright.sync_api import expect
from ui_support import kit_app

pytestmark = pytest.mark.browser

ALL_ROLES = "coordinator,teamlid,ministerie,beheerder"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(kit_app()) as url:
        yield url


PAGES = [
    ("/", None),
    ("/", "coordinator"),
    ("/", "teamlid"),
    ("/", "ministerie"),
    ("/", "beheerder"),
    ("/", ALL_ROLES),
    ("/", ""),
    ("/toegankelijkheid", None),
    ("/toegankelijkheid", "teamlid"),
    ("/beheer", "beheerder"),
    ("/fout/401", None),
    ("/fout/404", "coordinator"),
    ("/fout/500", None),
    ("/voorbeeld", None),
    ("/voorbeeld?fouten=1", None),
    ("/voorbeeld?fouten=1", ALL_ROLES),
    ("/intake/", "coordinator"),
]


def url_for(base_url: str, path: str, roles: str | None) -> str:
    if roles is None:
        return base_url + path
    return base_url + path + ("&" if "?" in path else "?") + f"als={roles}"


def page_id(value: Any) -> str:
    return "anoniem" if value is None else (value or "geen-rol")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "telefoon"])
@pytest.mark.parametrize(("path", "roles"), PAGES, ids=[f"{p}-{page_id(r)}" for p, r in PAGES])
def test_every_page_passes_axe(
    new_page: Any, base_url: str, path: str, roles: str | None, viewport: dict[str, int]
):
    page = new_page(viewport=viewport)
    response = page.goto(url_for(base_url, path, roles))
    assert response is not None
    assert page.locator("html").get_attribute("lang") == "nl"
    assert_accessible(page)


def test_axe_reports_each_violation_with_every_element(page: Any):
    # The checks above pass only because axe finds nothing: it must find what is there.
    page.set_content(
        '<html lang="nl"><head><title>Fout</title></head><body><main><h1>Fout</h1>'
        '<img src="a.png"><img src="b.png"><input type="text"></main></body></html>'
    )
    violations, report = axe_violations(page)
    nodes = {v["id"]: len(v["nodes"]) for v in violations}
    assert nodes["image-alt"] == 2 and nodes["label"] == 1, nodes
    assert "image-alt" in report
    with pytest.raises(pytest.fail.Exception, match="violation"):
        assert_accessible(page)


def test_the_kit_page_after_a_failed_post_passes_axe(page: Any, base_url: str):
    page.goto(base_url + "/voorbeeld")
    page.get_by_label("Naam").fill("J")
    page.get_by_role("button", name="Versturen").click()
    page.get_by_role("heading", name="Er is iets niet goed ingevuld").wait_for()
    assert_accessible(page)


def test_forms_work_without_javascript(page_without_js: Any, base_url: str):
    page = page_without_js
    page.goto(base_url + "/voorbeeld")
    page.get_by_label("Naam").fill("Jan de Vries")
    page.get_by_label("Online haat").check()
    page.get_by_label("Provinciale Staten").check()
    page.get_by_label("Provincie", exact=True).select_option("Zeeland")
    page.get_by_label("Toelichting").fill("Na de raadsvergadering.")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Versturen").click()
    assert navigation.value is not None and navigation.value.status == 422

    summary = page.locator(".ot-error-summary")
    assert summary.is_visible()
    assert summary.get_attribute("role") == "alert"
    assert summary.locator("h2").inner_text() == "Er is iets niet goed ingevuld"
    assert summary.locator("a").all_inner_texts() == [
        "E-mailadres is verplicht",
        "Datum van de bijeenkomst is verplicht",
    ]
    assert page.title().startswith("Fout: ")
    # What the user typed is still there.
    assert page.get_by_label("Naam").input_value() == "Jan de Vries"
    assert page.get_by_label("Online haat").is_checked()
    assert not page.get_by_label("Bedreiging").is_checked()
    assert page.get_by_label("Provinciale Staten").is_checked()
    assert page.get_by_label("Provincie", exact=True).input_value() == "Zeeland"
    assert page.get_by_label("Toelichting").input_value() == "Na de raadsvergadering."
    # Each field says what is wrong, and is linked from the summary.
    email = page.locator("#email")
    assert email.get_attribute("aria-invalid") == "true"
    assert "E-mailadres is verplicht" in page.locator("#email-error").inner_text()
    summary.get_by_role("link", name="E-mailadres is verplicht").click()
    assert page.url.endswith("/voorbeeld#email")
    expect(email).to_be_focused()

    # Filled in completely, the form is accepted, still without JavaScript.
    page.get_by_label("E-mailadres").fill("jan@example.org")
    page.get_by_label("Datum van de bijeenkomst").fill("2025-03-15")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Versturen").click()
    assert navigation.value is not None and navigation.value.status == 200
    assert page.get_by_text("Het formulier is goed ingevuld").is_visible()
    assert page.locator(".ot-error-summary").count() == 0


def test_error_summary_links_move_the_focus_to_the_field(page: Any, base_url: str):
    page.goto(base_url + "/voorbeeld?fouten=1")
    for name, field in [
        ("E-mailadres is verplicht", "email"),
        ("Bestuurslaag is verplicht", "tier"),  # the first radio
        ("Provincie is verplicht", "province"),
        ("Onderwerpen is verplicht", "topics"),  # the first checkbox
        ("Datum van de bijeenkomst is verplicht", "meeting_on"),
        ("Naam is verplicht", "name"),
    ]:
        page.locator(".ot-error-summary").get_by_role("link", name=name).click()
        assert page.evaluate("document.activeElement.id") == field


def test_sign_out_posts_the_csrf_token_without_javascript(page_without_js: Any, base_url: str):
    page = page_without_js
    page.goto(base_url + "/?als=coordinator")
    assert page.get_by_text("Aangemeld als").is_visible()
    page.get_by_role("button", name="Afmelden").click()
    assert page.locator("body").inner_text().strip() == "afgemeld met token csrf-123"


def test_the_skip_link_moves_the_focus_to_the_content(page: Any, base_url: str):
    page.goto(base_url + "/?als=coordinator")
    skip = page.get_by_role("link", name="Naar de inhoud")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Naar de inhoud"
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the skip link shows on focus"
    assert box["height"] >= 44
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    # The next Tab goes to the first link inside the content, not back to the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_the_development_banner(page: Any, base_url: str):
    page.goto(base_url + "/")
    banner = page.locator(".ot-dev-banner")
    assert banner.is_visible()
    assert banner.inner_text().strip().endswith("Ontwikkelomgeving — geen echte gegevens invoeren")
    # Inside the header landmark, so screen reader users meet it first.
    assert page.locator("header .ot-dev-banner").count() == 1


def test_no_development_banner_in_production(new_page: Any):
    with serve(kit_app(development=False)) as url:
        page = new_page()
        page.goto(url + "/")
        assert page.locator(".ot-dev-banner").count() == 0
        assert page.get_by_text("Ontwikkelomgeving").count() == 0
        assert_accessible(page)


FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  return {
    tag: el.tagName + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').trim().slice(0, 30),
    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
             && s.outlineColor !== 'rgba(0, 0, 0, 0)',
    shadow: s.boxShadow !== 'none',
  };
}"""


@pytest.mark.parametrize("path", ["/voorbeeld?fouten=1&als=coordinator", "/?als=beheerder"])
def test_the_focus_is_always_visible(page: Any, base_url: str, path: str):
    page.goto(base_url + path)
    seen = 0
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        style = page.evaluate(FOCUS_STYLE)
        assert style["outline"] or style["shadow"], f"no visible focus on {style['tag']}"
        seen += 1
    assert seen >= 10


TARGETS = (
    "a.ot-button, button, .ot-nav a, .ot-footer li a, .ot-card a, .ot-input, .ot-select, "
    ".ot-choice, .ot-logo"
)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "telefoon"])
@pytest.mark.parametrize("path", ["/voorbeeld?fouten=1&als=coordinator", "/?als=" + ALL_ROLES])
def test_touch_targets_are_at_least_44_pixels(
    new_page: Any, base_url: str, path: str, viewport: dict[str, int]
):
    page = new_page(viewport=viewport)
    page.goto(base_url + path)
    sizes = page.eval_on_selector_all(
        TARGETS,
        """els => els.map(e => {
            const r = e.getBoundingClientRect();
            return {what: e.outerHTML.slice(0, 80), w: r.width, h: r.height};
        })""",
    )
    assert len(sizes) > 10
    small = [s for s in sizes if s["h"] < 44 or s["w"] < 44]
    assert not small, f"targets smaller than 44x44 px: {small}"


def test_pages_fit_a_small_phone_without_sideways_scrolling(new_page: Any, base_url: str):
    page = new_page(viewport={"width": 320, "height": 640})
    too_wide = {}
    for path, roles in PAGES:
        page.goto(url_for(base_url, path, roles))
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            too_wide[f"{path} ({page_id(roles)})"] = overflow
    assert not too_wide, f"pixels too wide at 320px (WCAG 1.4.10 reflow): {too_wide}"


def test_everything_comes_from_the_product_itself(new_page: Any, base_url: str):
    page = new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    for path, roles in PAGES:
        page.goto(url_for(base_url, path, roles))
    assert requested
    elsewhere = [url for url in requested if not url.startswith(base_url)]
    assert not elsewhere, f"requests to other hosts: {elsewhere}"
    stylesheet = page.evaluate("[...document.styleSheets].map(s => s.href)")
    assert stylesheet == [base_url + "/intake/static/ontour.css"]
    assert page.evaluate("document.scripts.length") == 0
