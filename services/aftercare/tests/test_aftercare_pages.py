"""Aftercare's pages over HTTP: the public form (consent, errors, confirmation), the status
page, the coordinator's queue and case page (in the browser: test_aftercare_pages_browser)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from aftercare import pages, peer_pages, statement_pages
from aftercare.domain.service_level import AMSTERDAM
from ontour.i18n import untranslated_messages
from ontour.testing.plugin import scalar

ANONYMOUS = {"Accept": "text/html", "Authorization": ""}
FORM = {
    "role": "wethouder",
    "incident_categories": ["bedreiging", "intimidatie thuis of bij de woning"],
    "story": "Er stond iemand voor mijn huis.",
    "gender_wish": "geen voorkeur",
    "contact_modes": ["telefoon"],
    "name": "Jan Wethouder",
    "phone": "06 12345678",
    "consents": ["behandeling", "statistiek"],
}


def test_every_text_of_the_pages_has_dutch():
    modules = [Path(m.__file__) for m in (pages, peer_pages, statement_pages)]
    missing = untranslated_messages(pages.LOCALE, pages.TEMPLATES, modules)
    assert not missing, missing


async def csrf(site, path: str = "/aftercare/") -> str:
    page = await site.get(path, headers=ANONYMOUS)
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]


async def test_the_public_form_explains_and_keeps_what_was_typed(site):
    page = await site.get("/aftercare/", headers=ANONYMOUS)
    assert "Nazorg aanvragen" in page.text and "112" in page.text
    assert "Wat er nu gebeurt" in page.text
    token = await csrf(site)
    no_consent = await site.post(
        "/aftercare/aanvraag", data={**FORM, "consents": [], "csrf_token": token},
        headers=ANONYMOUS,
    )  # fmt: skip
    assert no_consent.status_code == 422
    assert "bewaren wij niets" in no_consent.text
    assert "Er stond iemand voor mijn huis." in no_consent.text  # nothing lost
    assert await scalar(site, "SELECT count(*) FROM aftercare_case") == 0
    missing = await site.post(
        "/aftercare/aanvraag", data={**FORM, "name": "", "csrf_token": token}, headers=ANONYMOUS
    )
    assert missing.status_code == 422 and 'href="#name"' in missing.text


async def test_a_request_on_the_form_is_received_and_can_be_followed(site):
    token = await csrf(site)
    received = await site.post(
        "/aftercare/aanvraag", data={**FORM, "csrf_token": token}, headers=ANONYMOUS
    )
    assert received.status_code == 200 and "Uw verzoek is ontvangen" in received.text
    reference = re.search(r"NZ-[A-Z0-9]{4}-[A-Z0-9]{4}", received.text)[0]
    link = re.search(r'href="[^"]*(/aftercare/status/[^"]+)"', received.text)[1]
    status = await site.get(link, headers=ANONYMOUS)
    assert reference in status.text and "Wij zoeken een peer voor u." in status.text

    queue = await site.get("/aftercare/wachtrij")
    assert reference in queue.text and "Jan Wethouder" not in queue.text  # no names in lists
    # The coordinator's menu says how many wait (the kit's menu, aftercare's number).
    assert 'Wachtrij nazorg <span class="ot-nav__note">(1 wachtend)</span>' in queue.text
    assert "Wachtend op een peer: 1. Termijn in gevaar: 0." in queue.text
    case_id = str(await scalar(site, "SELECT id FROM aftercare_case"))
    case = await site.get(f"/aftercare/verzoeken/{case_id}")
    assert "Jan Wethouder" in case.text and "Voorstel" in case.text
    assert "tom.teamlid" in case.text
    linked = await site.post(
        f"/aftercare/verzoeken/{case_id}/koppelen",
        data={"peer_id": "tom.teamlid", "version": "1"},
    )
    assert linked.status_code == 303
    assert await scalar(site, "SELECT status FROM aftercare_case") == "gematcht"
    assert await scalar(site, "SELECT count(*) FROM audit_log WHERE action = 'lezen'") == 1
    # Asked by phone a month ago and never called: the menu warns on every aftercare page.
    month_ago = (datetime.now(AMSTERDAM) - timedelta(days=30)).replace(tzinfo=None)
    late = {"role": "raadslid", "incident_categories": ["bedreiging"], "name": "Els Raadslid",
            "consent_handling": True,
            "received_at": month_ago.isoformat(timespec="minutes")}  # fmt: skip
    entered = await site.post(
        "/aftercare/api/v1/verzoeken", json=late, headers={"Accept": "application/json"}
    )
    assert entered.status_code == 201, entered.text
    peers_page = await site.get("/aftercare/peers")
    assert "(1 wachtend, 1 met termijn in gevaar)" in peers_page.text
    assert 'id="peer-tom.teamlid"' in peers_page.text  # the teamleden page links here


async def test_the_case_page_records_steps_after_the_fact_and_erases_to_a_tombstone(site):
    # Asked by phone three days ago, linked two days ago, called yesterday; all noted today,
    # the steps in the browser's date and time field (Dutch time).
    now = datetime.now(AMSTERDAM).replace(second=0, microsecond=0)

    def typed(days_ago: int) -> str:
        return (now - timedelta(days=days_ago)).replace(tzinfo=None).isoformat(timespec="minutes")

    by_phone = {"role": "wethouder", "incident_categories": ["bedreiging"], "name": "Jan Wethouder",
                "consent_handling": True, "received_at": typed(3)}  # fmt: skip
    entered = await site.post(
        "/aftercare/api/v1/verzoeken", json=by_phone, headers={"Accept": "application/json"}
    )
    assert entered.status_code == 201
    case_id = str(await scalar(site, "SELECT id FROM aftercare_case"))
    case = await site.get(f"/aftercare/verzoeken/{case_id}")
    assert 'name="matched_at" type="datetime-local"' in case.text
    linked = await site.post(
        f"/aftercare/verzoeken/{case_id}/koppelen",
        data={"peer_id": "tom.teamlid", "version": "1", "matched_at": typed(2)},
    )
    assert linked.status_code == 303
    contact = {"mode": "telefoon", "version": "2"}
    for when, problem in [
        ("2099-01-01T10:00", "ligt in de toekomst"),
        (typed(3), "ligt vóór de koppeling"),
        ("gisteren", "geldige waarde"),
    ]:
        refused = await site.post(
            f"/aftercare/verzoeken/{case_id}/contact", data={**contact, "contacted_at": when}
        )
        assert refused.status_code == 422 and problem in refused.text
    noted = await site.post(
        f"/aftercare/verzoeken/{case_id}/contact", data={**contact, "contacted_at": typed(1)}
    )
    assert noted.status_code == 303
    contacted_at = await scalar(site, "SELECT contacted_at FROM aftercare_case")
    assert contacted_at == now - timedelta(days=1)
    assert "gehaald" in (await site.get(f"/aftercare/verzoeken/{case_id}")).text

    erased = await site.post(f"/aftercare/verzoeken/{case_id}/wissen", data={"version": "3"})
    assert erased.status_code == 303
    tombstone = await site.get(f"/aftercare/verzoeken/{case_id}")
    assert tombstone.status_code == 410 and "gewist" in tombstone.text
    assert "op verzoek" in tombstone.text and "Jan Wethouder" not in tombstone.text


async def test_a_coordinator_adds_and_changes_a_peer_profile_on_its_page(site, bearer):
    """From planning's teamleden page a teamlid gets a peer profile here; errors per field,
    the read audited, never silently overwritten, only for a coordinator."""
    new = await site.get("/aftercare/peers/lotte.teamlid?naam=Lotte%20Jansen")
    assert new.status_code == 200 and "Nieuw peerprofiel" in new.text
    assert 'value="Lotte Jansen"' in new.text
    form = {"name": "Lotte Jansen", "background": "oud-statenlid", "gender": "vrouw",
            "capacity": "2", "available": "ja", "expertise": ["online intimidatie"],
            "regions": "pv30, PV31", "languages": "nl, fy"}  # fmt: skip
    wrong = await site.post(
        "/aftercare/peers/lotte.teamlid", data={**form, "gender": "", "regions": "Brabant"}
    )
    assert wrong.status_code == 422
    assert "Gender is verplicht" in wrong.text and "Regio" in wrong.text
    assert 'value="Brabant"' in wrong.text
    created = await site.post("/aftercare/peers/lotte.teamlid", data=form)
    assert created.status_code == 303
    assert created.headers["location"] == "/aftercare/peers#peer-lotte.teamlid"
    lotte = (await site.get("/aftercare/api/v1/peers/lotte.teamlid")).json()
    assert lotte["regions"] == ["PV30", "PV31"] and lotte["capacity"] == 2

    page = await site.get("/aftercare/peers/lotte.teamlid")
    assert "Peerprofiel: Lotte Jansen" in page.text and 'value="PV30, PV31"' in page.text
    reads = "SELECT count(*) FROM audit_log WHERE object_type = 'peer' AND action = 'lezen'"
    assert await scalar(site, reads) == 1
    changed = await site.post(
        "/aftercare/peers/lotte.teamlid", data={**form, "capacity": "4", "version": "1"}
    )
    assert changed.status_code == 303
    stale = await site.post(
        "/aftercare/peers/lotte.teamlid", data={**form, "capacity": "5", "version": "1"}
    )
    assert stale.status_code == 409
    assert await scalar(site, "SELECT capacity FROM peer WHERE id = 'lotte.teamlid'") == 4
    listed = await site.get("/aftercare/peers")
    assert 'href="/aftercare/peers/lotte.teamlid"' in listed.text
    tom = {**bearer("teamlid"), "Accept": "text/html"}
    assert (await site.get("/aftercare/peers/lotte.teamlid", headers=tom)).status_code == 403
