"""Signing in through the development IdP in a real browser (shared by the browser tests)."""

from __future__ import annotations

from ontour.devstack.idp import SUBJECT_FOR_ROLE


def sign_in(page, base_url: str, role: str) -> None:
    page.goto(f"{base_url}/")
    page.get_by_role("link", name="Aanmelden").first.click()
    # The development IdP lists the demo users: one click per role.
    page.get_by_role("button", name=SUBJECT_FOR_ROLE[role]).click()
    page.wait_for_url(f"{base_url}/")
