"""Backup and restore of a whole, populated On Tour, for real: the four services run in this
process against a PostgreSQL server and a nats-server with the production NATS
configuration (deploy/nats: one user per service, `ops` for the backup); deploy/backup's
scripts back up the databases and the streams in local mode (`ontour streams backup`,
the JetStream snapshot API), a wipe loses both, and the restore drill brings them back.

Checked after each restore: every table's row count, every stream's message count and last
sequence, and the case keys: they are never in a backup, so a case erased after a backup
stays erased when that older backup is restored (crypto-shredding)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import nats
import pytest
from deploy_support import (
    DEPLOY,
    SERVICES,
    NatsNode,
    PostgresServer,
    connected,
    nats_passwords,
    postgres_servers,
    run,
    venv_bin,
)
from ontour.audit import audit_key, verify_service
from ontour.db import create_engine
from ontour.messaging.backup import (
    BACKED_UP,
    NOT_BACKED_UP,
    SNAPSHOT_FILE,
    StreamBackupError,
    backup_stream,
)
from ontour.messaging.streams import (
    CASE_KEY_BUCKET,
    STREAMS,
    bucket_keys,
    ensure_streams_at,
    inbox_prefix,
)
from ontour.testing.plugin import eventually, running_service, scalar

BACKUP = DEPLOY / "backup" / "backup.sh"
DRILL = DEPLOY / "backup" / "restore-drill.sh"
INIT_SCRIPT = DEPLOY / "postgres" / "init" / "10-ontour-databases.sh"
TABLE_COUNTS = DEPLOY / "backup" / "table-counts.sql"
DB_PASSWORDS = {f"ONTOUR_DB_PASSWORD_{name.upper()}": f"pw-{name}" for name in SERVICES}
DECLARATIONS = {ep.name: ep.load() for ep in entry_points(group="ontour.services")}
CASE_KEY_STREAM = f"KV_{CASE_KEY_BUCKET}"
DEV_KEY = audit_key("", development=True)  # what the services use in test mode

VOORGESPREK = {
    "organisation_code": "GM0344",
    "status": "gehouden",
    "held_on": "2025-03-04",
    "mode": "fysiek",
    "themes": ["online intimidatie"],
    "incident_count": 1,
    "incident_categories": ["bedreiging"],
    "session_wish": "ja",
}
AFTERCARE_REQUEST = {
    "role": "raadslid",
    "incident_categories": ["online intimidatie"],
    "story": "Berichten na de raadsvergadering",
    "organisation_code": "GM0344",
    "contact_modes": ["telefoon"],
    "name": "Els Raadslid",
    "email": "els@example.org",
    "phone": "+31 6 12345678",
    "consent_handling": True,
    "consent_share_with_peer": True,
    "consent_statistics": True,
}


def test_every_stream_is_backed_up_or_deliberately_not() -> None:
    """A new stream or bucket must be decided on: backed up, or left out with a reason."""
    buckets = {"KV_ontour_sessions", CASE_KEY_STREAM}
    assert set(BACKED_UP) == {spec.name for spec in STREAMS}
    assert set(NOT_BACKED_UP) == buckets
    assert not set(BACKED_UP) & set(NOT_BACKED_UP)


@pytest.fixture
def postgres_factory() -> Iterator[Callable[[str], PostgresServer]]:
    with postgres_servers() as make:
        yield make


@pytest.fixture
def nats_node(tmp_path: Path) -> Iterator[NatsNode]:
    node = NatsNode(tmp_path / "nats", env=nats_passwords()).start()
    asyncio.run(ensure_streams_at(node.url("ops")))
    try:
        yield node
    finally:
        node.stop()


class System:
    """The four services on one PostgreSQL server and the NATS node, run in this process."""

    def __init__(self, nats_node: NatsNode, idp_url: str, bearer: Any) -> None:
        self.nats = nats_node
        self.idp_url = idp_url
        self.bearer = bearer

    @asynccontextmanager
    async def running(self, postgres: PostgresServer) -> AsyncIterator[dict[str, Any]]:
        async with AsyncExitStack() as stack:
            apis = {}
            for name in SERVICES:
                apis[name] = await stack.enter_async_context(
                    running_service(
                        DECLARATIONS[name],
                        # Superuser: the test helper creates databases it does not find.
                        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{postgres.port}/{name}",
                        nats_url=self.nats.url(name),
                        idp_url=self.idp_url,
                        headers=self.bearer("coordinator"),
                        session_cookie_secure=False,
                    )
                )
            yield apis
            await settled(apis, self.nats)

    def script_env(self, postgres: PostgresServer, backups: Path) -> dict[str, str]:
        return postgres.env(
            ONTOUR_BACKUP_MODE="local",
            ONTOUR_BACKUP_DIR=str(backups),
            ONTOUR_CLI=venv_bin("ontour"),
            NATS_URL=self.nats.url(),
            NATS_USER="ops",
            NATS_PASSWORD=self.nats.env["NATS_OPS_PASSWORD"],
            **DB_PASSWORDS,
        )


async def settled(apis: dict[str, Any], node: NatsNode) -> None:
    """Every outbox sent and every consumer caught up: nothing is on its way."""

    async def quiet() -> bool:
        for api in apis.values():
            if await scalar(api, "SELECT count(*) FROM outbox WHERE sent_at IS NULL"):
                return False
        nc = await nats.connect(node.url("ops"))
        try:
            js = nc.jetstream()
            for stream in BACKED_UP:
                for consumer in await js.consumers_info(stream):
                    if consumer.num_pending or consumer.num_ack_pending:
                        return False
        finally:
            await nc.close()
        return True

    await eventually(quiet)


def table_counts(postgres: PostgresServer) -> dict[str, str]:
    counts = {}
    for name in SERVICES:
        result = run(
            [
                "psql",
                "--no-psqlrc",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                name,
                "-f",
                str(TABLE_COUNTS),
            ],
            env=postgres.env(),
            check=True,
        )
        counts[name] = result.stdout
    return counts


async def stream_positions(node: NatsNode) -> dict[str, tuple[int, int]]:
    nc = await nats.connect(node.url("ops"))
    try:
        js = nc.jetstream()
        return {
            name: (info.state.messages, info.state.last_seq)
            for name in BACKED_UP
            for info in [await js.stream_info(name)]
        }
    finally:
        await nc.close()


async def case_key_ids(node: NatsNode) -> set[str]:
    """The cases with a key (as aftercare, the only user that may read the bucket)."""
    nc = await nats.connect(node.url("aftercare"), inbox_prefix=inbox_prefix("aftercare"))
    try:
        return set(await bucket_keys(nc.jetstream(), CASE_KEY_BUCKET))
    finally:
        await nc.close()


async def snapshot(postgres: PostgresServer, node: NatsNode) -> dict[str, Any]:
    return {
        "tables": table_counts(postgres),
        "streams": await stream_positions(node),
        "case_keys": await case_key_ids(node),
    }


async def audit_trails_intact(postgres: PostgresServer, node: NatsNode) -> None:
    """Each restored audit trail verifies against its restored anchor (nothing cut off)."""
    async with connected(node.url("ops")) as (nc, _):
        for name in SERVICES:
            engine = create_engine(
                f"postgresql+asyncpg://postgres@127.0.0.1:{postgres.port}/{name}"
            )
            try:
                report = await verify_service(engine, nc.jetstream(), name, DEV_KEY)
            finally:
                await engine.dispose()
            assert report.intact, (name, report)
            # Scheduling and reporting were not used: an empty trail, as before.
            assert report.records > 0 or name in ("scheduling", "reporting"), name


async def wipe_streams(node: NatsNode) -> None:
    """Lose every stream but the case keys: those are never restored from a backup, they
    live on in the NATS cluster (three replicas) or are gone with it."""
    nc = await nats.connect(node.url("ops"))
    try:
        js = nc.jetstream()
        for info in await js.streams_info():
            if info.config.name != CASE_KEY_STREAM:
                await js.delete_stream(info.config.name)
    finally:
        await nc.close()


async def test_a_populated_system_survives_backup_wipe_and_restore(
    postgres_factory, nats_node: NatsNode, idp_url: str, bearer: Any, tmp_path: Path
) -> None:
    source = postgres_factory("source")
    run(["bash", str(INIT_SCRIPT)], env=source.env(**DB_PASSWORDS), check=True)
    system = System(nats_node, idp_url, bearer)
    backups = tmp_path / "backups"
    env = system.script_env(source, backups)

    async with system.running(source) as apis:
        for held_on in ("2025-03-04", "2025-03-05", "2025-03-06"):
            created = await apis["intake"].post(
                "/intake/api/v1/voorgesprekken", json={**VOORGESPREK, "held_on": held_on}
            )
            assert created.status_code == 201, created.text
        cases = []
        for name in ("Els Raadslid", "Kees Wethouder"):
            asked = await apis["aftercare"].post(
                "/aftercare/api/v1/verzoeken",
                json={**AFTERCARE_REQUEST, "name": name},
                headers={"Authorization": ""},
            )
            assert asked.status_code == 201, asked.text
            queue = (await apis["aftercare"].get("/aftercare/api/v1/verzoeken")).json()["items"]
            cases.append(
                next(c["id"] for c in queue if c["reference"] == asked.json()["reference"])
            )
        erased_later, kept = cases
    before_erasure = await snapshot(source, nats_node)
    assert before_erasure["case_keys"] == set(cases)
    assert all(before_erasure["streams"][s][0] > 0 for s in ("ONTOUR_INTAKE", "ONTOUR_AFTERCARE"))
    taken = run(["bash", str(BACKUP), "before-erasure"], env=env)
    assert taken.returncode == 0, taken.stderr

    async with system.running(source) as apis:
        erased = await apis["aftercare"].post(f"/aftercare/api/v1/verzoeken/{erased_later}/wissen")
        assert erased.status_code == 204
    after_erasure = await snapshot(source, nats_node)
    assert after_erasure["case_keys"] == {kept}
    taken = run(["bash", str(BACKUP), "after-erasure"], env=env)
    assert taken.returncode == 0, taken.stderr

    # What is in a backup, and what never is.
    for name in ("before-erasure", "after-erasure"):
        streams = sorted(p.name for p in (backups / name / "jetstream").iterdir())
        assert streams == sorted(BACKED_UP)
        assert all(
            (backups / name / "jetstream" / s / SNAPSHOT_FILE).stat().st_size for s in streams
        )
        assert "KV_" not in (backups / name / "MANIFEST.txt").read_text()
    async with connected(nats_node.url("ops")) as (nc, _):
        with pytest.raises(StreamBackupError, match="komt nooit in een back-up"):
            await backup_stream(nc, CASE_KEY_STREAM, tmp_path)

    # The disaster: PostgreSQL and every stream lost (a fresh server, deleted streams); the
    # case keys live on. The newest backup brings everything back as it was.
    await wipe_streams(nats_node)
    fresh = postgres_factory("fresh")
    drilled = run(["bash", str(DRILL), "after-erasure"], env=system.script_env(fresh, backups))
    assert drilled.returncode == 0, drilled.stderr
    assert "restore drill of after-erasure passed" in drilled.stderr
    assert await snapshot(fresh, nats_node) == after_erasure
    await audit_trails_intact(fresh, nats_node)
    async with system.running(fresh) as apis:
        # The services re-read every stream (a backup keeps no consumer positions) and their
        # inboxes skip what they applied: no row more, no event published again.
        await settled(apis, nats_node)
        restarted = await snapshot(fresh, nats_node)
        assert restarted["tables"] == after_erasure["tables"]
        events = [s for s in BACKED_UP if s != "ONTOUR_AUDIT_ANCHORS"]  # anchors at each start
        assert [restarted["streams"][s] for s in events] == [
            after_erasure["streams"][s] for s in events
        ]
        readable = await apis["aftercare"].get(f"/aftercare/api/v1/verzoeken/{kept}")
        assert readable.status_code == 200 and readable.json()["name"] == "Kees Wethouder"
        gone = await apis["aftercare"].get(f"/aftercare/api/v1/verzoeken/{erased_later}")
        assert gone.status_code == 410

    # An older backup, from before the erasure: its databases hold the case again, but its
    # key was destroyed and is in no backup. The case cannot be read; erasing it again
    # leaves the tombstone.
    await wipe_streams(nats_node)
    older = postgres_factory("older")
    drilled = run(["bash", str(DRILL), "before-erasure"], env=system.script_env(older, backups))
    assert drilled.returncode == 0, drilled.stderr
    restored = await snapshot(older, nats_node)
    assert restored["tables"] == before_erasure["tables"]
    assert restored["streams"] == before_erasure["streams"]
    assert restored["case_keys"] == {kept}  # the live bucket: the erased key stays destroyed
    async with system.running(older) as apis:
        shredded = await apis["aftercare"].get(f"/aftercare/api/v1/verzoeken/{erased_later}")
        assert shredded.status_code == 200
        assert {shredded.json()[f] for f in ("name", "email", "phone")} == {None}
        again = await apis["aftercare"].post(f"/aftercare/api/v1/verzoeken/{erased_later}/wissen")
        assert again.status_code == 204
        assert (
            await apis["aftercare"].get(f"/aftercare/api/v1/verzoeken/{erased_later}")
        ).status_code == 410
        readable = await apis["aftercare"].get(f"/aftercare/api/v1/verzoeken/{kept}")
        assert readable.json()["name"] == "Kees Wethouder"

    # A backup whose stream state does not match what the snapshot holds fails the drill.
    await wipe_streams(nats_node)
    state = backups / "before-erasure" / "jetstream" / "ONTOUR_INTAKE" / "backup.json"
    backed_up = json.loads(state.read_text())
    backed_up["state"]["last_seq"] += 1
    state.write_text(json.dumps(backed_up))
    (backups / "before-erasure" / "SHA256SUMS").unlink()
    tampered = run(
        ["bash", str(DRILL), "before-erasure"],
        env=system.script_env(postgres_factory("tampered"), backups),
    )
    assert tampered.returncode != 0
    assert "jetstream/ONTOUR_INTAKE: STREAM DIFFERS" in tampered.stderr
    assert "FAILED: 1 difference(s)" in tampered.stderr
