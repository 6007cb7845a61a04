"""An upgrade without downtime: two replicas of every service and of the front door behind
Caddy (the shape of compose's `cluster` profile and the Helm chart), restarted as an
orchestrator rolls out a new version: within a part one replica at a time (SIGTERM, the grace
period, wait until the new process is ready, then the next), the five parts at once, as
Kubernetes rolls each Deployment on its own. Meanwhile the public entry point is under a
steady load of real writes (voorgesprekken with a session wish) and reads on every part.

Afterwards: every request got a 2xx (no 5xx, no refused connection); every write's two
events (VoorgesprekGehouden, SessieverzoekIngediend) are in the stream exactly once and were
applied once by scheduling and by reporting. How long each replica took to stop and to be
ready again is printed (the README, "Beheer", quotes it). Run on its own with
``pytest -m rolling_restart -s``."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import nats
import pytest
from ontour.contracts.intake import SessieverzoekIngediend, VoorgesprekGehouden
from ontour.db import asyncpg_dsn
from ontour.devstack.idp import SUBJECT_FOR_ROLE, fetch_id_token
from ontour.devstack.stack import Replica, Stack, database_url, readiness_client
from ontour.messaging.streams import DEAD_LETTER_STREAM, stream_for
from ontour.testing.plugin import eventually

# Ten Python processes started again: on a busy two-core machine that alone takes minutes
# (a bound for a stuck restart, not a performance target).
pytestmark = [pytest.mark.rolling_restart, pytest.mark.timeout(1200)]

PARTS = ("frontdoor", "intake", "scheduling", "aftercare", "reporting")
EVENTS = (VoorgesprekGehouden, SessieverzoekIngediend)
PREFIX = "rolling_"
WRITERS, READERS = 2, 2
PAUSE = 0.1  # between one worker's requests: a steady load, not a benchmark
# Reads on every part, each as a role that may make it.
READS = (
    ("GET", "/", None),
    ("GET", "/scheduling/api/v1/sessies", "coordinator"),
    ("GET", "/aftercare/api/v1/peers", "coordinator"),
    ("GET", "/reporting/api/v1/tour", "ministerie"),
)


@dataclass
class Load:
    """Workers calling the public entry point until stopped; every answer noted."""

    base_url: str
    headers: dict[str, dict[str, str]]
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    answers: list[tuple[str, str, int | str]] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    async def call(
        self, client: httpx.AsyncClient, method: str, path: str, role: str | None, **kw: Any
    ) -> httpx.Response | None:
        headers = self.headers[role] if role else {}
        try:
            response = await client.request(method, path, headers=headers, **kw)
        except httpx.HTTPError as exc:  # refused, reset: the request was lost
            self.answers.append((method, path, type(exc).__name__))
            return None
        self.answers.append((method, path, response.status_code))
        return response

    async def write(self, client: httpx.AsyncClient, worker: int) -> None:
        for n in itertools.count():
            if self.stopped.is_set():
                return
            body = {
                "organisation_code": "GM0363",
                "held_on": f"2025-0{1 + n % 9}-{1 + (n * WRITERS + worker) % 28:02d}",
                "mode": "fysiek",
                "session_wish": "ja",
            }
            path = "/intake/api/v1/voorgesprekken"
            created = await self.call(client, "POST", path, "coordinator", json=body)
            if created is not None and created.status_code == 201:
                voorgesprek = created.json()["id"]
                self.written.append(voorgesprek)
                await self.call(client, "GET", f"{path}/{voorgesprek}", "coordinator")
            await asyncio.sleep(PAUSE)

    async def read(self, client: httpx.AsyncClient, worker: int) -> None:
        for method, path, role in itertools.cycle(READS[worker:] + READS[:worker]):
            if self.stopped.is_set():
                return
            await self.call(client, method, path, role)
            await asyncio.sleep(PAUSE)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Load]:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=60) as client:
            workers = [
                *(asyncio.create_task(self.write(client, i)) for i in range(WRITERS)),
                *(asyncio.create_task(self.read(client, i)) for i in range(READERS)),
            ]
            try:
                yield self
            finally:
                self.stopped.set()
                await asyncio.gather(*workers)

    def failures(self) -> list[tuple[str, str, int | str]]:
        return [a for a in self.answers if not (isinstance(a[2], int) and 200 <= a[2] < 300)]


@dataclass
class Restart:
    replica: str
    stopped_in: float
    ready_in: float


async def restart(replica: Replica, name: str) -> Restart:
    """What an orchestrator does to one replica: SIGTERM, wait for it to exit (within its
    grace period), start the new one, wait until it is ready."""
    child = replica.child
    began = time.monotonic()
    await asyncio.to_thread(child.process.stop)
    stopped = time.monotonic()
    child.process = await asyncio.to_thread(child.start)

    with readiness_client() as client:

        async def ready() -> bool:
            return await asyncio.to_thread(replica.ready, client)

        await eventually(ready, timeout=120, interval=0.1)
    return Restart(name, stopped - began, time.monotonic() - stopped)


async def rows(stack: Stack, service: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    url = database_url(str(stack.database_server_url), PREFIX + service)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def stream_ids(nats_url: str, subjects: list[str]) -> list[str]:
    """The Nats-Msg-Id of every message on ``subjects`` in intake's stream."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        stream = stream_for("intake")
        seen: list[str] = []
        for subject in subjects:
            info = await js.stream_info(stream, subjects_filter=subject)
            total = (info.state.subjects or {}).get(subject, 0)
            sub = await js.pull_subscribe(subject, stream=stream)
            try:
                got = 0
                while got < total:
                    batch = await sub.fetch(min(500, total - got), timeout=10)
                    seen += [msg.headers["Nats-Msg-Id"] for msg in batch]
                    got += len(batch)
            finally:
                await sub.unsubscribe()
        return seen
    finally:
        await nc.close()


async def parked(nats_url: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        return (await nc.jetstream().stream_info(DEAD_LETTER_STREAM)).state.messages
    finally:
        await nc.close()


def test_every_replica_restarted_under_load_loses_no_request_and_no_event(
    tmp_path: Path, start_stack: Any
) -> None:
    with start_stack(tmp_path, replicas=2, database_prefix=PREFIX) as stack:
        restarts = asyncio.run(roll_under_load(stack))
    print("\nrolling restart, per replica: stopped in / ready in")
    for r in restarts:
        print(f"  {r.replica}: {r.stopped_in:.1f} s / {r.ready_in:.1f} s")


async def roll_under_load(stack: Stack) -> list[Restart]:
    base_url = f"http://127.0.0.1:{stack.http_port}"
    headers = {
        role: {"Authorization": f"Bearer {fetch_id_token(stack.issuer, SUBJECT_FOR_ROLE[role])}"}
        for role in ("coordinator", "ministerie")
    }
    load = Load(base_url, headers)

    async def roll(part: str) -> list[Restart]:
        replicas = enumerate(stack.replica_of[part], start=1)
        return [await restart(replica, f"{part} {number}") for number, replica in replicas]

    async with load.running():
        rolled = await asyncio.gather(*(roll(part) for part in PARTS))
    restarts = [done for part in rolled for done in part]
    assert load.written, "no write went through at all"
    assert not load.failures(), load.failures()

    # Every write's events: sent by the outbox, in the stream exactly once.
    written = load.written
    outbox = await rows(
        stack,
        "intake",
        "SELECT id::text, event_type, sent_at IS NOT NULL AS sent FROM outbox "
        "WHERE event_type = ANY($1::text[])",
        [e.event_type() for e in EVENTS],
    )

    async def all_sent() -> bool:
        pending = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
        return (await rows(stack, "intake", pending))[0][0] == 0

    await eventually(all_sent, timeout=60)
    for event in EVENTS:
        assert sum(1 for r in outbox if r["event_type"] == event.event_type()) == len(written)
    sent = {r["id"] for r in outbox}
    in_stream = await stream_ids(str(stack.nats_url), [e.nats_subject() for e in EVENTS])
    assert len(in_stream) == len(set(in_stream)) == len(sent)
    assert set(in_stream) == sent

    # Applied once by each consumer: its inbox holds every event, its read model every write.
    async def applied(service: str, durable: str, events: set[str]) -> bool:
        inbox = await rows(
            stack,
            service,
            "SELECT event_id::text FROM inbox WHERE consumer = $1 AND event_id::text = ANY($2)",
            durable,
            sorted(events),
        )
        return len(inbox) == len(events)

    def of(event: type) -> set[str]:
        return {r["id"] for r in outbox if r["event_type"] == event.event_type()}

    requested, held = of(SessieverzoekIngediend), of(VoorgesprekGehouden)
    await eventually(lambda: applied("scheduling", "scheduling-requests", requested), timeout=60)
    await eventually(lambda: applied("reporting", "reporting-tour", held), timeout=60)
    requests = await rows(
        stack,
        "scheduling",
        "SELECT id::text FROM session_request WHERE id::text = ANY($1)",
        written,
    )
    assert sorted(r["id"] for r in requests) == sorted(written)
    voorgesprekken = await rows(
        stack, "reporting", "SELECT id::text FROM rm_voorgesprek WHERE id::text = ANY($1)", written
    )
    assert sorted(r["id"] for r in voorgesprekken) == sorted(written)
    assert await parked(str(stack.nats_url)) == 0
    print(f"\n{len(written)} voorgesprekken, {len(load.answers)} requests, all 2xx")
    return restarts
