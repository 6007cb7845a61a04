"""Sign-in in a real browser through Caddy, the front door and the development IdP.

The session cookie, signing out for real (the session then no longer works anywhere), CSRF
and the way back after signing in. What each role finds after signing in, and that each of
its pages passes axe: test_navigation_browser.py.
"""

from __future__ import annotations

import httpx
import pytest
from browser_support import sign_in
from ontour.devstack.idp import SUBJECT_FOR_ROLE

pytestmark = pytest.mark.browser


def test_the_session_cookie_is_httponly_secure_and_samesite(page, base_url):
    sign_in(page, base_url, "coordinator")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "ontour_sessie"]
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"


def test_sign_out_really_ends_the_session(page, base_url):
    sign_in(page, base_url, "coordinator")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "ontour_sessie"]
    stolen = {"ontour_sessie": cookie["value"]}
    # The session works for a service page/API while signed in ...
    api = f"{base_url}/reporting/api/v1/tour"
    assert httpx.get(api, cookies=stolen).status_code == 200
    page.get_by_role("button", name="Afmelden").click()
    page.wait_for_load_state()
    # ... and not at all afterwards, even with a copy of the old cookie.
    assert httpx.get(api, cookies=stolen).status_code == 401


def test_a_form_post_without_the_csrf_token_is_refused(page, base_url):
    sign_in(page, base_url, "coordinator")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    response = httpx.post(f"{base_url}/afmelden", cookies=cookies, data={"csrf_token": "forged"})
    assert response.status_code == 403
    api = f"{base_url}/reporting/api/v1/tour"
    assert httpx.get(api, cookies={"ontour_sessie": cookies["ontour_sessie"]}).status_code == 200


def test_a_page_asks_anonymous_visitors_to_sign_in(page, base_url):
    page.goto(f"{base_url}/intake/")
    # Sent to the IdP via /aanmelden, and back to /intake/ afterwards.
    page.get_by_role("button", name=SUBJECT_FOR_ROLE["teamlid"]).click()
    page.wait_for_url(f"{base_url}/intake/")
    assert page.get_by_role("heading", level=1).inner_text() == "Organisaties"


def test_sign_in_from_another_host_name_ends_signed_in(page, base_url):
    """Begun on localhost, sign-in moves to the public address (127.0.0.1) before it starts,
    so the login cookie and the IdP's answer meet on the same host."""
    page.goto(base_url.replace("127.0.0.1", "localhost") + "/scheduling/")
    page.get_by_role("button", name=SUBJECT_FOR_ROLE["coordinator"]).click()
    page.wait_for_url(f"{base_url}/scheduling/")
    assert page.get_by_role("button", name="Afmelden").is_visible()
    assert "verlopen" not in page.content()
