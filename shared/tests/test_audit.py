"""The audit trail is append-only and hash-chained: tampering is detected."""

from __future__ import annotations

import asyncio

import pytest
from intake.app import service as intake
from ontour.audit import verify
from ontour.cli import app
from ontour.testing.plugin import running_service
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

BODY = {"organisation_code": "GM0014", "held_on": "2025-01-01", "mode": "fysiek"}


@pytest.fixture
async def audited(nats_url, database_url, idp_url, bearer):
    url = database_url("intake")
    async with running_service(
        intake, nats_url=nats_url, idp_url=idp_url, database_url=url, headers=bearer("coordinator")
    ) as client:
        ids = []
        for _ in range(4):
            ids.append((await client.post("/intake/api/v1/voorgesprekken", json=BODY)).json()["id"])
        client.ids = ids
        client.database_url = url
        yield client


async def test_changes_are_audited_and_coordinators_see_who_did_it(audited, bearer):
    response = await audited.get(
        "/intake/api/v1/audit", params={"object_type": "voorgesprek", "object_id": audited.ids[0]}
    )
    assert response.status_code == 200
    [entry] = response.json()
    assert entry["actor"] == "carla.coordinator"  # the IdP's id, never a name
    assert entry["roles"] == "coordinator"
    assert entry["action"] == "aanmaken"
    assert entry["result"] == "toegestaan"
    as_teamlid = await audited.get(
        "/intake/api/v1/audit",
        headers=bearer("teamlid"),
        params={"object_type": "voorgesprek", "object_id": audited.ids[0]},
    )
    assert as_teamlid.status_code == 403


async def test_denied_access_is_audited(audited, bearer):
    await audited.get(
        "/intake/api/v1/audit",
        headers=bearer("ministerie"),
        params={"object_type": "x", "object_id": "y"},
    )
    engine = audited.app.state.runtime.engine
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT actor, result, object_id FROM audit_log ORDER BY id DESC LIMIT 1")
            )
        ).one()
    assert tuple(row) == ("mira.ministerie", "geweigerd", "/intake/api/v1/audit")


async def test_the_chain_is_intact_and_the_table_refuses_changes(audited):
    engine = audited.app.state.runtime.engine
    report = await verify(engine)
    assert report.intact and report.records == 4
    for statement in (
        "UPDATE audit_log SET actor = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))


async def _tamper(engine, statement: str) -> None:
    # An attacker with owner rights switches the guard off first.
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        await conn.execute(text(statement))
        await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))


async def test_an_altered_record_is_detected(audited):
    engine = audited.app.state.runtime.engine
    await _tamper(
        engine,
        "UPDATE audit_log SET actor = 'someone.else' WHERE id = "
        "(SELECT min(id) + 1 FROM audit_log)",
    )
    report = await verify(engine)
    assert not report.intact
    assert report.problem == "de inhoud is gewijzigd"


async def test_a_removed_record_is_detected(audited):
    engine = audited.app.state.runtime.engine
    await _tamper(engine, "DELETE FROM audit_log WHERE id = (SELECT min(id) + 1 FROM audit_log)")
    report = await verify(engine)
    assert not report.intact
    assert "verwijderd" in report.problem


async def test_ontour_audit_verify_command(audited):
    runner = CliRunner()
    url = audited.database_url
    command = ["audit", "verify", "intake", "--database-url", url]
    intact = await asyncio.to_thread(runner.invoke, app, command)
    assert intact.exit_code == 0
    assert "Auditlogboek van intake is intact (4 records)." in intact.output
    last = "(SELECT max(id) FROM audit_log)"
    await _tamper(
        audited.app.state.runtime.engine,
        f"UPDATE audit_log SET origin = '10.0.0.1' WHERE id = {last}",
    )
    broken = await asyncio.to_thread(runner.invoke, app, command)
    assert broken.exit_code == 1
    assert "NIET intact" in broken.output
