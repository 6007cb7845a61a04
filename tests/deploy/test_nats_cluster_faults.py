"""The `cluster` profile under faults: three real nats-servers with deploy/nats/nats-cluster.conf,
R3 streams from ``ontour.messaging.streams``, intake's real outbox relay publishing and two
replicas of a real consumer (one durable, an inbox) applying, all given every server. Under a
steady load the stream leader is killed (-9) and restarted, then another server, then the
leader is frozen (SIGSTOP) past the election timeout and thawed. Afterwards every event the
outbox marked sent is in the stream exactly once and was applied exactly once.

The pause in publishing at each fault (the longest gap between PubAcks around it) is printed;
the README (Beheer) quotes it. Run on its own with ``pytest -m cluster -s``."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import pytest
from intake.app import service as intake
from nats.js import JetStreamContext
from nats_cluster_support import (
    CLUSTER_NODES,
    NatsCluster,
    caught_up,
    ops_connection,
    stream_leader,
)
from ontour.contracts.intake import VoorgesprekGehouden
from ontour.db import create_engine, session_factory
from ontour.messaging.consumer import EventConsumer
from ontour.messaging.outbox import OutboxRelay, UnsentEvent, enqueue_many
from ontour.messaging.streams import DEAD_LETTER_STREAM, stream_for
from ontour.testing.plugin import clone_migrated, eventually
from reporting.app import service as reporting
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.cluster

STREAM = stream_for("intake")
EVENTS_PER_TICK = 3  # every 0.1 s: a steady 30 events a second
PUBLISHES_TO_CALL_IT_RUNNING = 30
DURABLE = "reporting-cluster-test"
# Past nats-server's longest Raft election timeout (9 s): the others elect without it.
FROZEN_SECONDS = 10.0


class TimedRelay(OutboxRelay):
    """The real relay, noting when each PubAck came back."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acked_at: list[float] = []

    async def _publish(self, js: JetStreamContext, row: UnsentEvent) -> None:
        await super()._publish(js, row)
        self.acked_at.append(time.monotonic())

    def connected_port(self) -> int:
        url = self._broker.connection.connected_url
        assert url is not None and url.port is not None, "the relay is not connected"
        return url.port

    def acked_since(self, moment: float) -> int:
        return sum(1 for t in self.acked_at if t >= moment)


async def publishing_again(relay: TimedRelay, since: float) -> None:
    async def running() -> bool:
        return relay.acked_since(since) >= PUBLISHES_TO_CALL_IT_RUNNING

    await eventually(running, timeout=60)


@dataclass
class Fault:
    what: str
    server: str
    at: float
    until: float = 0.0

    def pause(self, acked_at: list[float]) -> float:
        """The longest gap between PubAcks from the last one before the fault to the end of
        its phase (the server back, or thawed, and caught up)."""
        before = [t for t in acked_at if t < self.at]
        times = [before[-1] if before else self.at]
        times += [t for t in acked_at if self.at <= t <= self.until]
        return max(b - a for a, b in itertools.pairwise(times))


@dataclass
class Load:
    """Events written to intake's outbox, EVENTS_PER_TICK every 0.1 s, until stopped."""

    engine: AsyncEngine
    stopped: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        sessions = session_factory(self.engine)
        while not self.stopped.is_set():
            async with sessions() as session, session.begin():
                await enqueue_many(session, [held() for _ in range(EVENTS_PER_TICK)])
            await asyncio.sleep(0.1)


def held() -> VoorgesprekGehouden:
    """The contract's own example: every enqueued copy becomes an event with its own id."""
    example = VoorgesprekGehouden.model_json_schema()["examples"][0]
    return VoorgesprekGehouden.model_validate(example)


async def record_applied(session, envelope, event) -> None:
    # No unique key: a second effect of one event would show as a second row.
    await session.execute(text("INSERT INTO applied VALUES (:id)"), {"id": envelope.id})


def consumer_replica() -> EventConsumer:
    consumer = EventConsumer.reading("intake", service="reporting", name="cluster-test")
    consumer.on(VoorgesprekGehouden)(record_applied)
    return consumer


@asynccontextmanager
async def database(service: Any, url: str) -> AsyncIterator[AsyncEngine]:
    await clone_migrated(service, url)
    engine = create_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def rows(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql))).all())


@asynccontextmanager
async def relay_on(cluster: NatsCluster, engine: AsyncEngine) -> AsyncIterator[TimedRelay]:
    """intake's broker as the service builds it, given all three servers."""
    settings = intake.settings_factory(
        nats_url=cluster.nats_url("intake"), database_url="", environment="test"
    )
    broker = intake.build_broker(settings)
    await broker.connect()
    relay = TimedRelay(engine, broker, "intake")
    task = asyncio.create_task(relay.run())
    try:
        yield relay
    finally:
        relay.stop()
        await task
        await broker.stop()


@asynccontextmanager
async def consumers_on(cluster: NatsCluster, engine: AsyncEngine) -> AsyncIterator[None]:
    """Two replicas of reporting sharing one durable, as the `cluster` profile runs them."""
    settings = reporting.settings_factory(
        nats_url=cluster.nats_url("reporting"), database_url="", environment="test"
    )
    brokers = []
    try:
        for _ in range(2):
            broker = reporting.build_broker(settings)
            brokers.append(broker)
            consumer = consumer_replica()
            consumer.subscribe(broker, session_factory(engine))
            await broker.connect()
            await consumer.ensure(broker.connection.jetstream())
            await broker.start()
        yield
    finally:
        for broker in brokers:
            await broker.stop()


async def stream_contents(nc) -> list[tuple[str, str]]:
    """(Nats-Msg-Id, CloudEvent id) of every message in the stream, read from the start again
    while the cluster still settles after the last fault: it may refuse a new consumer, or
    answer its fetch with 503 (no leader for that consumer yet)."""

    async def read() -> list[tuple[str, str]] | None:
        js = nc.jetstream(timeout=10)
        try:
            total = (await js.stream_info(STREAM)).state.messages
            sub = await js.pull_subscribe("ontour.intake.>", stream=STREAM)
        except nats.errors.Error:
            return None
        seen: list[tuple[str, str]] = []
        try:
            while len(seen) < total:
                for msg in await sub.fetch(500, timeout=10):
                    seen.append((msg.headers["Nats-Msg-Id"], json.loads(msg.data)["id"]))
        except nats.errors.Error:
            return None
        finally:
            await sub.unsubscribe()
        return seen

    return await eventually(read, timeout=60, interval=0.5)


async def consumer_settled(nc) -> bool:
    """Nothing left to deliver or to acknowledge: no redelivery can still come."""
    try:
        info = await nc.jetstream().consumer_info(STREAM, DURABLE)
    except nats.errors.Error:
        return False
    return info.num_pending == 0 and info.num_ack_pending == 0


async def kill_and_restart(
    cluster: NatsCluster, ops, relay: TimedRelay, server: str, role: str
) -> Fault:
    """kill -9 ``server``; once publishing resumed, restart it and wait until it caught up."""
    fault = Fault(f"kill -9 van {role}", server, time.monotonic())
    cluster.kill(server)
    await publishing_again(relay, since=fault.at)
    cluster.restart(server)
    await caught_up(ops, STREAM, server)
    fault.until = time.monotonic()
    return fault


async def test_no_event_is_lost_or_doubled_when_servers_die_or_freeze(
    tmp_path: Path, database_url
) -> None:
    cluster = NatsCluster(tmp_path).start()
    faults: list[Fault] = []
    try:
        await cluster.declare_streams(replicas=3)
        async with (
            database(intake, database_url("intake")) as outbox_db,
            database(reporting, database_url("reporting")) as inbox_db,
        ):
            async with inbox_db.begin() as conn:
                await conn.execute(text("CREATE TABLE applied (event_id uuid NOT NULL)"))
            load = Load(outbox_db)
            async with (
                ops_connection(cluster) as ops,
                relay_on(cluster, outbox_db) as relay,
                consumers_on(cluster, inbox_db),
            ):
                writing = asyncio.create_task(load.run())

                await publishing_again(relay, since=0.0)
                info = await ops.jetstream().stream_info(STREAM)
                assert info.config.num_replicas == 3

                # 1. kill -9 the stream leader; restart it on its data once publishing resumed.
                first = await stream_leader(ops, STREAM)
                faults.append(await kill_and_restart(cluster, ops, relay, first, "de leider"))

                # 2. Once it rejoined: kill -9 another server (the leader now, if that is
                # another one).
                leader = await stream_leader(ops, STREAM)
                second = leader if leader != first else next(n for n in CLUSTER_NODES if n != first)
                role = "de leider" if second == leader else "een volger"
                faults.append(await kill_and_restart(cluster, ops, relay, second, role))

                # 3. Freeze the server the relay is connected to (a minority of one, still
                # holding its connections open) past the election timeout, then thaw it.
                frozen = cluster.serving(relay.connected_port())
                role = "de leider" if frozen == await stream_leader(ops, STREAM) else "een volger"
                fault = Fault(
                    f"SIGSTOP van {role}, waarmee de relay verbonden is", frozen, time.monotonic()
                )
                cluster.pause(frozen)
                await asyncio.sleep(FROZEN_SECONDS)
                await publishing_again(relay, since=fault.at)
                cluster.resume(frozen)
                await caught_up(ops, STREAM, frozen)
                fault.until = time.monotonic()
                faults.append(fault)

                load.stopped.set()
                await writing

                async def relayed() -> bool:
                    unsent = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
                    return (await rows(outbox_db, unsent))[0][0] == 0

                await eventually(relayed, timeout=60)
                sent = {str(r[0]) for r in await rows(outbox_db, "SELECT id FROM outbox")}

                # Every event the outbox marked sent is in the stream, exactly once.
                in_stream = await stream_contents(ops)
                assert len(in_stream) == len(sent)
                assert {msg_id for msg_id, _ in in_stream} == sent
                assert {event_id for _, event_id in in_stream} == sent

                # Every event applied exactly once, by one replica or the other.
                async def applied_all() -> bool:
                    inbox = f"SELECT count(*) FROM inbox WHERE consumer = '{DURABLE}'"
                    return (await rows(inbox_db, inbox))[0][0] == len(sent)

                await eventually(applied_all, timeout=60)

                await eventually(lambda: consumer_settled(ops), timeout=60)
                applied = await rows(inbox_db, "SELECT event_id FROM applied")
                assert len(applied) == len(sent)
                assert {str(r[0]) for r in applied} == sent
                dead = await ops.jetstream().stream_info(DEAD_LETTER_STREAM)
                assert dead.state.messages == 0
    finally:
        cluster.stop()

    print(f"\n{len(sent)} events; pause in publishing per fault:")
    for fault in faults:
        print(f"  {fault.what} ({fault.server}): {fault.pause(relay.acked_at):.1f} s")
