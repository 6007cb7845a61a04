"""The audit trail: append-only, a keyed chain, anchored outside the database."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from intake.app import service as intake
from ontour.audit import (
    GENESIS,
    _digest,
    anchor_periodically,
    audit_key,
    last_anchor,
    verify,
    verify_service,
    write_anchor,
)
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


def _jetstream(client):
    return client.app.state.runtime.broker.connection.jetstream()


async def _rows(engine) -> list[dict]:
    async with engine.connect() as conn:
        result = await conn.execute(text("SELECT * FROM audit_log ORDER BY id"))
        return [dict(row) for row in result.mappings()]


async def _rewrite(engine, rows: list[dict]) -> None:
    """Write ``rows`` back as they are, with the triggers off (an attacker with owner rights)."""
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        for row in rows:
            await conn.execute(
                text(
                    "UPDATE audit_log SET actor = :actor, prev_hash = :prev, hash = :hash "
                    "WHERE id = :id"
                ),
                {
                    "actor": row["actor"],
                    "prev": row["prev_hash"],
                    "hash": row["hash"],
                    "id": row["id"],
                },
            )
        await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))


async def test_a_record_forged_with_recomputed_plain_hashes_is_detected(audited):
    """Whoever holds the database credentials can recompute a plain hash chain after a change;
    the keyed chain needs ONTOUR_AUDIT_KEY, which is not in the database."""
    engine = audited.app.state.runtime.engine
    rows = await _rows(engine)
    rows[1]["actor"] = "someone.else"
    previous = GENESIS
    for row in rows:  # the whole chain recomputed from the altered record on
        row["prev_hash"] = previous
        row["hash"] = previous = _digest(row)
    await _rewrite(engine, rows)
    report = await verify(engine)
    assert not report.intact
    assert report.first_broken_id == rows[0]["id"]  # not even the first record is keyed so
    assert report.problem == "de inhoud is gewijzigd"


async def test_removing_the_newest_records_is_detected_through_the_anchor(audited):
    engine, js = audited.app.state.runtime.engine, _jetstream(audited)
    anchor = await write_anchor(engine, js, "intake")
    rows = await _rows(engine)
    assert (anchor.sequence, anchor.hash) == (rows[-1]["id"], rows[-1]["hash"])
    assert (await verify_service(engine, js, "intake")).intact
    await _tamper(engine, f"DELETE FROM audit_log WHERE id >= {rows[-2]['id']}")
    assert (await verify(engine)).intact  # what is left is a perfect chain ...
    report = await verify_service(engine, js, "intake")  # ... but the anchor knows better
    assert not report.intact
    assert "nieuwste records ontbreken" in report.problem


async def test_an_honest_chain_verifies_and_the_service_anchors_its_head(
    nats_url, database_url, idp_url, bearer
):
    url = database_url("intake")
    async with running_service(
        intake, nats_url=nats_url, idp_url=idp_url, database_url=url, headers=bearer("coordinator")
    ) as client:
        for _ in range(3):
            await client.post("/intake/api/v1/voorgesprekken", json=BODY)
        engine, js = client.app.state.runtime.engine, _jetstream(client)
        assert (await verify_service(engine, js, "intake")).intact
        head = (await _rows(engine))[-1]
    # At shutdown the service anchors its head.
    import nats

    connection = await nats.connect(nats_url)
    try:
        anchor = await last_anchor(connection.jetstream(), "intake")
    finally:
        await connection.close()
    assert anchor is not None
    assert (anchor.sequence, anchor.hash, anchor.keyed_from) == (head["id"], head["hash"], 1)


async def test_records_from_before_the_keyed_chain_stay_valid(audited):
    """Existing plain-hash records: the first anchor fixes where the keyed chain starts."""
    engine, js = audited.app.state.runtime.engine, _jetstream(audited)
    rows = await _rows(engine)
    previous = GENESIS
    for row in rows:  # as the trail looked before the keyed chain
        row["prev_hash"] = previous
        row["hash"] = previous = _digest(row)
    await _rewrite(engine, rows)
    first = await write_anchor(engine, js, "intake-legacy")
    assert first.keyed_from == rows[-1]["id"] + 1
    await audited.post("/intake/api/v1/voorgesprekken", json=BODY)  # keyed, after the cut-over
    await write_anchor(engine, js, "intake-legacy")
    report = await verify_service(engine, js, "intake-legacy")
    assert report.intact and report.records == len(rows) + 1
    # A keyed record recomputed with a plain hash does not pass as an old one.
    newest = (await _rows(engine))[-1]
    newest["hash"] = _digest(newest)
    await _rewrite(engine, [newest])
    assert not (await verify_service(engine, js, "intake-legacy")).intact


async def test_ontour_audit_verify_command(audited, nats_url):
    runner = CliRunner()
    url = audited.database_url
    await write_anchor(audited.app.state.runtime.engine, _jetstream(audited), "intake")
    command = ["audit", "verify", "intake", "--database-url", url, "--nats-url", nats_url]
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


def test_the_audit_key_is_required_outside_development():
    assert audit_key("", development=True) == audit_key("change-me-x", development=True)
    assert audit_key("s3cret", development=False) == b"s3cret"
    for value in ("", "change-me-audit-key"):
        with pytest.raises(ValueError, match="ONTOUR_AUDIT_KEY"):
            audit_key(value, development=False)


class _CancelsAsAnchorCompletes:
    """The service's engine, but the anchoring task is cancelled in the very step in which
    an anchor's transaction completes: the cancellation and the completion arrive together,
    as at a busy shutdown."""

    def __init__(self, engine, job_box: list) -> None:
        self._engine = engine
        self._job_box = job_box

    def __getattr__(self, name):
        return getattr(self._engine, name)

    @contextlib.asynccontextmanager
    async def begin(self):
        async with self._engine.begin() as conn:
            yield conn
        if self._job_box:
            asyncio.get_running_loop().call_soon(self._job_box.pop().cancel)


async def test_the_anchoring_job_ends_when_cancelled_as_an_anchor_completes(audited):
    # On Python 3.11 asyncio.wait_for swallowed exactly this cancellation: the job went on
    # polling and the service's shutdown waited for it forever.
    engine, js = audited.app.state.runtime.engine, _jetstream(audited)
    job_box: list = []
    job = asyncio.create_task(
        anchor_periodically(
            _CancelsAsAnchorCompletes(engine, job_box), lambda: js, "intake", every=1, seconds=0
        )
    )
    job_box.append(job)
    done, _ = await asyncio.wait([job], timeout=15)
    assert job in done, "the anchoring job ignored its cancellation"
    assert job.cancelled()
    anchor = await last_anchor(js, "intake")
    assert anchor is not None and anchor.sequence == (await _rows(engine))[-1]["id"]
