"""The statement draft as a service (real PostgreSQL and NATS): the requester prepares it from
their status link, prints it (the PDF read back holds exactly their entries), shares it with
their peer or not, deletes it; limits refuse whole; two tabs never overwrite each other;
every view is audited; erasing the case erases the draft."""

from __future__ import annotations

import io
import re

from ontour.testing.plugin import scalar
from pypdf import PdfReader
from sqlalchemy import text

API = "/aftercare/api/v1"
ANONYMOUS = {"Accept": "text/html", "Authorization": ""}
STORY = "Er stond iemand voor mijn huis. Mijn buurman Piet de Vries zag hem."
REMOVED = "Mijn buurman Piet de Vries zag hem."  # the requester takes this out of the statement
REQUEST = {
    "role": "wethouder",
    "incident_categories": ["online intimidatie", "bedreiging"],
    "story": STORY,
    "happened_on": "2026-11-30",
    "still_ongoing": True,
    "organisation_code": "GM0344",
    "gender_wish": "geen voorkeur",
    "name": "Jan Wethouder",
    "consent_handling": True,
}
ENTRIES = {
    "happened_on": "2026-11-30",
    "happened_at": "21:15",
    "place": "Voor mijn woning in Utrecht",
    "what_happened": "Er stond iemand voor mijn huis die riep: 'wij weten waar je woont'.",
    "incident_categories": ["online intimidatie", "bedreiging"],
    "platform": "Facebook",
    "account_names": "@boze.burger",
    "links": "https://example.org/post/42",
    "screenshot-0-description": "Het bericht met de bedreiging",
    "screenshot-0-taken_on": "2026-11-30",
    "screenshot-1-description": "",
    "screenshot-1-taken_on": "",
    "witnesses": "",
    "still_ongoing": "ja",
    "earlier_reports": "Melding op 12 oktober, registratienummer 2026123456",
    "domicile": "organisatie",
    "organisation_address": "Stadhuisplein 1, 3511 AA Utrecht",
}


async def requested(site) -> tuple[str, str]:
    """A request through the public endpoint: its case id and its status link's path."""
    response = await site.post(f"{API}/verzoeken", json=REQUEST, headers={"Authorization": ""})
    assert response.status_code == 201, response.text
    path = "/aftercare/status/" + response.json()["status_url"].rsplit("/", 1)[1]
    case_id = str(await scalar(site, "SELECT id FROM aftercare_case"))
    return case_id, path


def csrf_of(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]


async def saved(site, path: str, entries: dict, version: str = "0"):
    page = await site.get(f"{path}/verklaring", headers=ANONYMOUS)
    data = {**entries, "version": version, "csrf_token": csrf_of(page)}
    return await site.post(f"{path}/verklaring", data=data, headers=ANONYMOUS)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def audited(site, action: str) -> list[tuple[str, str]]:
    async with site.app.state.runtime.sessions() as session:
        rows = await session.execute(
            text("SELECT actor, object_id FROM audit_log WHERE object_type = 'verklaring' "
                 "AND action = :action ORDER BY id"), {"action": action},
        )  # fmt: skip
        return [tuple(row) for row in rows]


async def test_the_requester_prepares_prints_and_copies_exactly_their_statement(site):
    case_id, path = await requested(site)
    status = await site.get(path, headers=ANONYMOUS)
    assert f'href="{path}/verklaring"' in status.text and "Melden helpt" in status.text
    start = await site.get(f"{path}/verklaring", headers=ANONYMOUS)
    assert start.status_code == 200
    # Pre-filled from what they told us: their words, the date, that it goes on, the kinds.
    assert STORY in start.text and 'value="2026-11-30"' in start.text
    assert re.search(r'value="ja" checked', start.text)
    assert "domiciliekeuze" in start.text.lower() and "woonadres" in start.text
    assert "On Tour stuurt niets naar de politie" in start.text
    assert (await site.get(f"{path}/verklaring.pdf", headers=ANONYMOUS)).status_code == 409

    stored = await saved(site, path, ENTRIES)
    assert stored.status_code == 303, stored.text
    page = await site.get(stored.headers["location"], headers=ANONYMOUS)
    assert "De verklaring is opgeslagen." in page.text
    assert REMOVED not in page.text  # the story's sentence they removed is gone for good
    assert 'value="Het bericht met de bedreiging"' in page.text

    pdf = await site.get(f"{path}/verklaring.pdf", headers=ANONYMOUS)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store"
    printed = " ".join(pdf_text(pdf.content).split())
    for value in (
        "30 november 2026", "21:15", "Voor mijn woning in Utrecht", ENTRIES["what_happened"],
        "online intimidatie, bedreiging", "Facebook", "@boze.burger",
        "https://example.org/post/42", "Het bericht met de bedreiging (30 november 2026)",
        "Gaat het nog door? ja", ENTRIES["earlier_reports"],
        "domiciliekeuze op het adres van mijn organisatie: Stadhuisplein 1, 3511 AA Utrecht",
    ):  # fmt: skip
        assert value in printed, value
    assert REMOVED not in printed and "Piet de Vries" not in printed
    assert "Getuigen" not in printed  # left empty: no label without an entry
    assert "Jan Wethouder" not in printed  # nothing of the case but what they entered

    # The text to copy holds the same entries, in the same order.
    assert "Wat er is gezegd of gedaan: Er stond iemand voor mijn huis die riep" in page.text
    assert "Verklaring downloaden (PDF)" in page.text
    # Every view is audited, also the requester's, without an address.
    reads = await audited(site, "lezen")
    assert len(reads) == 3 and all(r == ("anoniem", case_id) for r in reads)
    assert await audited(site, "downloaden") == [("anoniem", case_id)]
    assert await audited(site, "aanmaken") == [("anoniem", case_id)]


async def test_limits_refuse_the_whole_statement_in_dutch(site):
    _, path = await requested(site)
    too_long = await saved(site, path, {**ENTRIES, "place": "x" * 301})
    assert too_long.status_code == 422
    assert "Plaats: maximaal 300 tekens" in too_long.text and 'href="#place"' in too_long.text
    bad_date = await saved(site, path, {**ENTRIES, "screenshot-0-taken_on": "gisteren"})
    assert bad_date.status_code == 422 and 'href="#screenshots"' in bad_date.text
    huge = await saved(site, path, {**ENTRIES, "what_happened": "x" * 200_000})
    assert huge.status_code == 413 and "te groot" in huge.text
    assert await scalar(site, "SELECT count(*) FROM aftercare_statement") == 0  # nothing kept
    missing = await saved(site, path, {**ENTRIES, "place": "", "organisation_address": ""})
    assert missing.status_code == 303  # an incomplete draft may be kept, not printed
    public_api = {"Authorization": "", "Accept": "application/json"}
    refused = await site.get(f"{path}/verklaring.pdf", headers=public_api)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert [p["name"] for p in problem["invalidParams"]] == ["place", "organisation_address"]
    assert "Plaats" in problem["detail"] and "Adres van uw organisatie" in problem["detail"]


async def test_two_tabs_never_overwrite_each_other_silently(site):
    _, path = await requested(site)
    assert (await saved(site, path, ENTRIES)).status_code == 303
    second_tab_new = await saved(site, path, {**ENTRIES, "place": "Tweede tabblad"})
    assert second_tab_new.status_code == 409  # it started from no draft: one is there now
    assert (await saved(site, path, {**ENTRIES, "place": "Eerst"}, "1")).status_code == 303
    stale = await saved(site, path, {**ENTRIES, "place": "Verouderd"}, "1")
    assert stale.status_code == 409
    page = await site.get(f"{path}/verklaring", headers=ANONYMOUS)
    assert 'value="Eerst"' in page.text and "Verouderd" not in page.text
    # The stale tab keeps what was typed, unsaved, says why, and may save it knowingly.
    assert "ergens anders opgeslagen" in stale.text and 'value="Verouderd"' in stale.text
    assert 'role="alert"' in stale.text and 'href="#version"' not in stale.text
    assert "Er stond iemand voor mijn huis" in stale.text
    assert 'name="version" value="2"' in stale.text
    again = {**ENTRIES, "place": "Verouderd", "version": "2", "csrf_token": csrf_of(stale)}
    kept = await site.post(f"{path}/verklaring", data=again, headers=ANONYMOUS)
    assert kept.status_code == 303
    page = await site.get(f"{path}/verklaring", headers=ANONYMOUS)
    assert 'value="Verouderd"' in page.text


async def test_the_peer_sees_and_completes_the_draft_only_with_the_requesters_consent(site, bearer):
    case_id, path = await requested(site)
    peer = {**bearer("teamlid"), "Accept": "text/html"}
    assert (await saved(site, path, ENTRIES)).status_code == 303
    page = await site.get(f"{path}/verklaring", headers=ANONYMOUS)
    assert "Zodra er een peer aan u is gekoppeld" in page.text  # no peer yet: nothing to share
    linked = await site.post(
        f"{API}/verzoeken/{case_id}/koppeling", json={"peer_id": "tom.teamlid", "version": 1}
    )
    assert linked.status_code == 204
    # The case's consent to share its details is not a consent to share this draft.
    own = f"/aftercare/verzoeken/{case_id}/verklaring"
    assert (await site.get(own, headers=peer)).status_code == 403
    assert (await site.get(f"{own}.pdf", headers=peer)).status_code == 403

    page = await site.get(f"{path}/verklaring", headers=ANONYMOUS)
    share = {"share": "ja", "version": "1", "csrf_token": csrf_of(page)}
    shared = await site.post(f"{path}/verklaring/delen", data=share, headers=ANONYMOUS)
    assert shared.status_code == 303
    case_page = await site.get(f"/aftercare/verzoeken/{case_id}", headers=peer)
    assert f'href="{own}"' in case_page.text
    view = await site.get(own, headers=peer)
    assert view.status_code == 200 and "Voor mijn woning in Utrecht" in view.text
    assert "uw inzage van deze pagina wordt gelogd" in view.text
    assert (await site.get(f"{own}.pdf", headers=peer)).status_code == 200
    # Another teamlid, even a coordinator, does not see it: only the requester's peer.
    assert (await site.get(own, headers={"Accept": "text/html"})).status_code == 403

    helped = await site.post(
        f"{own}/opslaan", data={**ENTRIES, "witnesses": "Mijn buurvrouw", "version": "2"},
        headers=peer,
    )  # fmt: skip
    assert helped.status_code == 303, helped.text
    mine = await site.get(f"{path}/verklaring", headers=ANONYMOUS)
    assert "Mijn buurvrouw" in mine.text and "Uw peer kan deze verklaring zien" in mine.text
    stop = {"share": "nee", "version": "3", "csrf_token": csrf_of(mine)}
    stopped = await site.post(f"{path}/verklaring/delen", data=stop, headers=ANONYMOUS)
    assert stopped.status_code == 303
    assert (await site.get(own, headers=peer)).status_code == 403
    # Each form the requester loaded, and the peer's one view: the refused ones saw nothing.
    assert await audited(site, "lezen") == [
        ("anoniem", case_id), ("anoniem", case_id), ("anoniem", case_id),
        ("tom.teamlid", case_id), ("anoniem", case_id),
    ]  # fmt: skip
    assert await audited(site, "downloaden") == [("tom.teamlid", case_id)]
    assert [a for a, _ in await audited(site, "wijzigen")] == ["tom.teamlid"]
    assert [a for a, _ in await audited(site, "delen")] == ["anoniem"]
    assert [a for a, _ in await audited(site, "niet meer delen")] == ["anoniem"]


async def test_the_requester_deletes_the_draft_and_erasing_the_case_erases_it(site):
    case_id, path = await requested(site)
    assert (await saved(site, path, ENTRIES)).status_code == 303
    page = await site.get(f"{path}/verklaring", headers=ANONYMOUS)
    delete = {"version": "1", "csrf_token": csrf_of(page)}
    deleted = await site.post(f"{path}/verklaring/wissen", data=delete, headers=ANONYMOUS)
    assert deleted.status_code == 303 and deleted.headers["location"] == path
    assert await scalar(site, "SELECT count(*) FROM aftercare_statement") == 0
    fresh = await site.get(f"{path}/verklaring", headers=ANONYMOUS)
    assert STORY in fresh.text  # starts over from the request

    assert (await saved(site, path, ENTRIES)).status_code == 303
    assert await scalar(site, "SELECT count(*) FROM aftercare_statement") == 1
    assert (await site.post(f"{API}/verzoeken/{case_id}/wissen")).status_code == 204
    assert await scalar(site, "SELECT count(*) FROM aftercare_statement") == 0
    assert (await site.get(f"{path}/verklaring", headers=ANONYMOUS)).status_code == 404
