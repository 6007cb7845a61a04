"""Intake's pages over HTTP: the form keeps what was typed, errors name the fields, edits
refuse a stale version, and teamleden only change what they held (browser checks with axe
are in tests/test_intake_pages_browser.py)."""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest
from intake import pages
from intake.app import service as intake
from ontour.i18n import untranslated_messages
from ontour.testing.plugin import running_service, scalar
from sqlalchemy import text

HTML = {"Accept": "text/html"}
FORM = {
    "organisation_code": "GM0363",
    "status": "gehouden",
    "held_on": "2025-03-04",
    "start_time": "19:30",
    "mode": "online",
    "teamleden": "tom.teamlid; fatima.teamlid",
    "participants.griffier": "1",
    "participants.raadsleden": "12",
    "themes": ["nazorg", "online intimidatie"],
    "session_wish": "ja",
    "preferred_periods.0.start": "2025-09-01",
    "preferred_periods.0.end": "2025-11-30",
    "preferred_weekdays": ["maandag"],
    "attention_online_intimidation_women": "ja",
    "confidential_note": "Alleen voor ons",
}


@pytest.fixture
async def site(nats_url, database_url, idp_url, bearer):
    async with running_service(
        intake,
        nats_url=nats_url,
        database_url=database_url("intake"),
        idp_url=idp_url,
        headers={**bearer("coordinator"), **HTML},
    ) as client:
        yield client


async def test_the_organisation_list_filters_by_province(site):
    page = await site.get("/intake/", params={"provincie": "PV26"})
    assert page.status_code == 200
    assert "Organisaties" in page.text and "Utrecht" in page.text
    assert "/intake/organisaties/GM0014" not in page.text  # Groningen is in PV20
    assert "Bron: CBS, Kadaster (CC BY 4.0)" in page.text


async def test_a_voorgesprek_entered_on_the_form_is_saved(site):
    response = await site.post("/intake/voorgesprekken/nieuw", data=FORM)
    assert response.status_code == 303
    detail = await site.get(response.headers["location"])
    assert "Het voorgesprek is opgeslagen" in detail.text
    assert "Voorgesprek met Amsterdam" in detail.text
    organisation = await site.get("/intake/organisaties/GM0363")
    assert "sessie gewenst" in organisation.text
    assert "Voorgesprek gehouden op 4 maart 2025" in organisation.text


async def test_the_form_offers_every_current_organisation_by_name_and_no_ended_one(site):
    async with site.app.state.runtime.sessions() as session:
        await session.execute(
            text("UPDATE organisation SET valid_until = '2021-01-01' WHERE cbs_code = 'GM0014'")
        )
        await session.commit()
    form = await site.get("/intake/voorgesprekken/nieuw", params={"organisatie": "GM0363"})
    offered = re.findall(r'<option value="((?:GM|PV)\d+)"( selected)?>([^<]*)</option>', form.text)
    async with site.app.state.runtime.sessions() as session:
        current = (
            await session.execute(
                text(
                    "SELECT cbs_code, name FROM organisation WHERE valid_until IS NULL "
                    "ORDER BY name, cbs_code"
                )
            )
        ).all()
    assert len(current) > 300 and "GM0014" not in {code for code, _ in current}
    # Every current organisation by name (the register's order), the ended one not.
    assert [(code, html.unescape(label)) for code, _, label in offered] == [
        (code, f"{name} ({code})") for code, name in current
    ]
    assert ("GM0363", " selected", "Amsterdam (GM0363)") in offered


async def test_a_form_with_errors_keeps_every_value_and_names_the_fields(site):
    wrong = {**FORM, "held_on": "2099-01-01", "preferred_periods.0.end": "2025-01-01"}
    response = await site.post("/intake/voorgesprekken/nieuw", data={**wrong, "mode": ""})
    assert response.status_code == 422
    assert "Er is iets niet goed ingevuld" in response.text
    assert 'href="#mode"' in response.text
    assert 'value="tom.teamlid; fatima.teamlid"' in response.text  # nothing lost
    assert "Alleen voor ons" in response.text
    assert await scalar(site, "SELECT count(*) FROM voorgesprek") == 0

    future = await site.post("/intake/voorgesprekken/nieuw", data=wrong)
    assert future.status_code == 422
    assert "toekomst" in future.text or "begindatum" in future.text
    assert await scalar(site, "SELECT count(*) FROM voorgesprek") == 0


async def test_editing_with_a_stale_version_is_refused_on_the_page(site):
    created = await site.post("/intake/voorgesprekken/nieuw", data=FORM)
    path = created.headers["location"].split("?")[0] + "/wijzigen"
    form = await site.get(path)
    assert form.status_code == 200 and "Alleen voor ons" in form.text
    first = await site.post(path, data={**FORM, "mode": "fysiek", "version": "1"})
    assert first.status_code == 303
    typed = {**FORM, "mode": "telefonisch", "confidential_note": "Net getypt", "version": "1"}
    stale = await site.post(path, data=typed)
    assert stale.status_code == 409
    assert await scalar(site, "SELECT mode FROM voorgesprek") == "fysiek"
    # Said at the top, as an alert, not as an error linking to the hidden version field.
    notice = re.search(
        r'<div class="ot-notification[^"]*" role="alert">(.*?)</div>', stale.text, re.S
    )
    assert notice and "Iemand anders heeft dit voorgesprek intussen gewijzigd" in notice.group(1)
    assert 'href="#version"' not in stale.text
    # What was typed comes back, unsaved, on the current version: saving again keeps it.
    assert "Net getypt" in stale.text
    assert re.search(r'value="telefonisch"[^>]*checked', stale.text)
    assert re.search(r'name="version" id="version" value="2"', stale.text)
    again = await site.post(path, data={**typed, "version": "2"})
    assert again.status_code == 303
    assert await scalar(site, "SELECT mode FROM voorgesprek") == "telefonisch"


async def test_a_teamlid_cannot_open_the_edit_form_of_someone_elses_voorgesprek(site, bearer):
    created = await site.post("/intake/voorgesprekken/nieuw", data={**FORM, "teamleden": "x"})
    path = created.headers["location"].split("?")[0] + "/wijzigen"
    as_teamlid = {**bearer("teamlid"), **HTML}
    assert (await site.get(path, headers=as_teamlid)).status_code == 403


async def test_my_actions_and_the_import_page(site):
    assert "Mijn acties" in (await site.get("/intake/acties")).text
    upload = await site.post(
        "/intake/import",
        files={"file": ("lijst.csv", b"organisatie;datum;vorm\nGM0014;01-02-2024;online\n")},
    )
    assert upload.status_code == 303
    report = await site.get(upload.headers["location"])
    assert "Rapport van lijst.csv" in report.text and "geimporteerd" in report.text
    empty = await site.post("/intake/import", files={"file": ("", b"")})
    assert empty.status_code == 422


def test_every_text_of_the_pages_has_dutch():
    missing = untranslated_messages(pages.LOCALE, pages.TEMPLATES, [Path(pages.__file__)])
    assert not missing, missing


async def test_marking_an_action_done_and_adding_a_note(site, bearer):
    tom = {**bearer("teamlid"), **HTML}
    await site.post("/intake/voorgesprekken/nieuw", data={**FORM, "teamleden": "tom.teamlid"})
    created = await site.post(
        "/intake/api/v1/vervolgacties",
        json={"organisation_code": "GM0363", "description": "Terugbellen", "owner": "tom.teamlid"},
        headers={"Accept": "application/json"},
    )
    action = created.json()
    mine = await site.get("/intake/acties", headers=tom)
    assert "Terugbellen" in mine.text and "Afronden" in mine.text
    path = f"/intake/acties/{action['id']}/afgerond"
    assert (await site.post(path, data={"version": "1"}, headers=tom)).status_code == 303
    assert (await site.post(path, data={"version": "1"}, headers=tom)).status_code == 409
    assert "afgerond" in (await site.get("/intake/acties", headers=tom)).text
    timeline = await site.get("/intake/organisaties/GM0363")
    assert "Vervolgactie afgerond" in timeline.text

    note = await site.post("/intake/organisaties/GM0363/notities", data={"text": "Griffie belt"})
    assert note.status_code == 303
    assert "Griffie belt" in (await site.get("/intake/organisaties/GM0363")).text
    assert (
        await site.post("/intake/organisaties/GM0363/notities", data={"text": "x"}, headers=tom)
    ).status_code == 403


async def test_the_contacts_page_is_audited_and_only_a_coordinator_adds(site, bearer):
    path = "/intake/organisaties/GM0014/contacten"
    wrong = await site.post(path, data={"name": "", "function": "griffier", "email": "geen-mail"})
    assert wrong.status_code == 422
    assert "Er is iets niet goed ingevuld" in wrong.text and 'value="griffier"' in wrong.text
    added = await site.post(path, data={"name": "Jan Jansen", "function": "griffier"})
    assert added.status_code == 303
    page = await site.get(path)
    assert "Jan Jansen" in page.text
    reads = "SELECT count(*) FROM audit_log WHERE object_type = 'contact' AND action = 'lezen'"
    assert await scalar(site, reads) == 1  # one view of one contact
    tom = {**bearer("teamlid"), **HTML}
    assert "Jan Jansen" in (await site.get(path, headers=tom)).text
    assert await scalar(site, reads) == 2
    refused = await site.post(path, data={"name": "X", "function": "y"}, headers=tom)
    assert refused.status_code == 403


async def test_a_coordinator_sets_not_published_on_the_organisation_page(site, bearer):
    page = await site.get("/intake/organisaties/GM0014")
    assert "Publicatie in de tourcijfers" in page.text
    assert "Deze organisatie wordt genoemd in de gepubliceerde tourcijfers." in page.text
    path = "/intake/organisaties/GM0014/publicatie"
    form = {"not_published": "ja", "note": "op verzoek van de griffie", "version": "1"}
    saved = await site.post(path, data=form)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/intake/organisaties/GM0014?opgeslagen=1#publicatie"
    page = await site.get(saved.headers["location"])
    assert "De keuze voor publicatie is opgeslagen" in page.text
    assert "niet gepubliceerd" in page.text
    assert "Publicatie: publiceren → niet publiceren (op verzoek van de griffie)" in page.text
    assert 'value="ja" checked' in page.text and 'name="version" value="2"' in page.text

    # A stale form: refused, the page shows how it stands now and keeps the note.
    stale = await site.post(path, data={**form, "not_published": "nee", "note": "later"})
    assert stale.status_code == 409
    assert "Iemand anders heeft deze organisatie gewijzigd" in stale.text
    assert 'value="ja" checked' in stale.text and 'value="later"' in stale.text
    assert await scalar(site, "SELECT not_published FROM organisation WHERE cbs_code = 'GM0014'")

    cleared = await site.post(path, data={"not_published": "nee", "version": "2"})
    assert cleared.status_code == 303
    assert not await scalar(
        site, "SELECT not_published FROM organisation WHERE cbs_code = 'GM0014'"
    )

    tom = {**bearer("teamlid"), **HTML}
    as_teamlid = await site.get("/intake/organisaties/GM0014", headers=tom)
    assert "Publicatie: niet publiceren → publiceren" in as_teamlid.text
    assert 'action="/intake/organisaties/GM0014/publicatie"' not in as_teamlid.text
    refused = await site.post(path, data={"not_published": "ja", "version": "3"}, headers=tom)
    assert refused.status_code == 403


async def test_the_not_published_form_names_what_is_wrong(site):
    path = "/intake/organisaties/GM0014/publicatie"
    wrong = await site.post(path, data={"not_published": "", "note": "x" * 201, "version": "1"})
    assert wrong.status_code == 422
    assert "Er is iets niet goed ingevuld" in wrong.text
    assert 'href="#not_published"' in wrong.text and 'href="#note"' in wrong.text
    assert "Publicatie in de tourcijfers is verplicht" in wrong.text
    assert 'value="' + "x" * 201 + '"' in wrong.text  # nothing lost
    assert await scalar(site, "SELECT count(*) FROM timeline_entry") == 0


PROTOCOL_FORM = {
    "aggression_protocol": "nee", "officials_reporting_point": "ja", "police_liaison": "onbekend",
    "domicile_arrangements": "nee", "since": "2025-03-04", "version": "1",
}  # fmt: skip


async def test_a_coordinator_records_the_arrangements_on_the_organisation_page(site, bearer):
    page = await site.get("/intake/organisaties/GM0014")
    assert (
        "Afspraken tegen agressie" in page.text and "Nog geen antwoorden vastgelegd." in page.text
    )
    path = "/intake/organisaties/GM0014/protocol"
    saved = await site.post(path, data=PROTOCOL_FORM)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == "/intake/organisaties/GM0014?vastgelegd=1#protocol"
    page = await site.get(saved.headers["location"])
    assert "De antwoorden zijn opgeslagen" in page.text
    assert "Agressieprotocol: niet vastgelegd → nee (vanaf 4 maart 2025)" in page.text
    assert 'name="aggression_protocol" value="nee" checked' in page.text.replace("\n", " ")
    assert await scalar(site, "SELECT count(*) FROM protocol_answer") == 4

    changed = {**PROTOCOL_FORM, "aggression_protocol": "ja", "since": "2026-01-05", "version": "2"}
    assert (await site.post(path, data=changed)).status_code == 303
    page = await site.get("/intake/organisaties/GM0014")
    assert "Agressieprotocol: nee → ja (vanaf 5 januari 2026)" in page.text
    assert await scalar(site, "SELECT count(*) FROM protocol_answer") == 5

    tom = {**bearer("teamlid"), **HTML}
    as_teamlid = await site.get("/intake/organisaties/GM0014", headers=tom)
    assert "Vastgelegd door" in as_teamlid.text and f'action="{path}"' not in as_teamlid.text
    refused = await site.post(path, data={**changed, "version": "3"}, headers=tom)
    assert refused.status_code == 403


async def test_the_arrangements_form_names_what_is_wrong_and_saves_nothing(site):
    path = "/intake/organisaties/GM0014/protocol"
    wrong = {**PROTOCOL_FORM, "police_liaison": "", "since": "2999-01-01"}
    failed = await site.post(path, data=wrong)
    assert failed.status_code == 422
    assert 'href="#police_liaison"' in failed.text
    assert (
        "Heeft de organisatie een vast contactpersoon bij de politie? is verplicht" in failed.text
    )
    future = await site.post(path, data={**PROTOCOL_FORM, "since": "2999-01-01"})
    assert future.status_code == 422 and "de datum ligt in de toekomst" in future.text
    assert 'value="2999-01-01"' in future.text  # nothing lost
    assert await scalar(site, "SELECT count(*) FROM protocol_answer") == 0


async def test_the_voorgesprek_page_records_the_answers_given_there(site):
    created = await site.post(
        "/intake/voorgesprekken/nieuw",
        data={"organisation_code": "GM0014", "status": "gehouden", "held_on": "2025-03-04",
              "mode": "online", "teamleden": "tom.teamlid"},
    )  # fmt: skip
    assert created.status_code == 303, created.text
    voorgesprek = created.headers["location"].split("?")[0]
    page = await site.get(voorgesprek)
    assert "Afspraken tegen agressie" in page.text and 'value="2025-03-04"' in page.text
    saved = await site.post(f"{voorgesprek}/protocol", data={**PROTOCOL_FORM, "version": "2"})
    assert saved.status_code == 303, saved.text
    page = await site.get(saved.headers["location"])
    assert "De antwoorden zijn opgeslagen" in page.text
    held_at = f"SELECT count(*) FROM protocol_answer WHERE voorgesprek_id = '{voorgesprek[-36:]}'"
    assert await scalar(site, held_at) == 4


async def test_the_organisations_export_carries_the_current_arrangements(site):
    assert (await site.post("/intake/organisaties/GM0014/protocol", data=PROTOCOL_FORM)).is_redirect
    exported = await site.get("/intake/api/v1/organisaties", params={"formaat": "csv"})
    assert exported.status_code == 200, exported.text
    table = exported.content.decode("utf-8-sig")  # Excel's Dutch CSV: semicolons
    rows = list(csv.DictReader(io.StringIO(table), delimiter=";"))
    recorded = next(r for r in rows if r["cbs_code"] == "GM0014")
    assert recorded["agressieprotocol"] == "nee"
    assert recorded["agressieprotocol_sinds"] == "2025-03-04"
    assert recorded["meldpunt_voor_ambtsdragers"] == "ja"
    assert recorded["vast_contactpersoon_bij_de_politie"] == "onbekend"
    assert recorded["afspraken_over_domiciliekeuze_sinds"] == "2025-03-04"
    never = next(r for r in rows if r["cbs_code"] == "GM0034")
    assert never["agressieprotocol"] == "" and never["agressieprotocol_sinds"] == ""
