"""The event backbone: outbox -> JetStream -> inbox, against a raw asyncpg + nats-py baseline.

Producer and consumer run in separate processes, as they are deployed (each service its own
process and database), against one embedded PostgreSQL and nats-server started here on free
ports in a temporary directory. The paths run one after the other, each twice, in the order
``ORDER`` (baseline, outbox, plain, plain, outbox, baseline): a machine whose speed drifts
during the run (a shared host) then weighs on every path alike, and each figure below is over
both of a path's rounds.

- outbox (the production path), as :class:`ontour.service.Service` wires it: the producer
  process writes a business row and its outbox row in one transaction
  (:func:`ontour.messaging.outbox.enqueue`), and its :class:`OutboxRelay` (on a connection
  of its own) publishes with the nats-py client of the FastStream :class:`NatsBroker`, a
  PRODUCER span per event; the consumer
  process's :class:`EventConsumer` (production settings: up to ``fetch_size`` messages per
  fetch, in stream order) claims each event in its inbox and writes one row, the messages of
  one fetch in one transaction, then acks each. Every guarantee is on: outbox, inbox, dead
  letters, tracing (a consumer span per event).
- raw baseline: the least that moves the same event: the producer inserts the same business
  row with asyncpg and then publishes with nats-py (``js.publish``, awaiting the PubAck); the
  consumer pull-fetches as the outbox path's consumer does (up to ``CONSUMER_FETCH`` per
  fetch), then per message inserts the same row with asyncpg in a transaction of its own and
  acks. No ORM, no outbox, no inbox, no tracing.
- plain (a breakdown, not a target): the outbox path with each side's own row written by one
  plain statement (:func:`ontour.db.execute_plain`) in the same transaction instead of through
  the ORM; outbox minus plain is what the ORM unit of work of that row costs.

Figures per path:
- Python CPU per event: the CPU time of both processes (``time.process_time`` in each, from
  the phase's start until the consumer committed the last event) divided by the events,
  summed over the path's rounds (each round's figure is in the report too);
- latency at ``RATE`` events/s offered (open loop, for ``SECONDS`` s): consumer commit minus
  producer commit, p50/p95/p99/max (``time.perf_counter`` is the system's monotonic clock,
  the same in both processes). For the outbox path also split at the relay's PubAck;
- throughput: ``EVENTS`` (env ``BENCH_BACKBONE_EVENTS``) by ``PRODUCERS`` concurrent
  producers as fast as they can, end to end.

``BENCH_BACKBONE_PROFILE=<dir>`` writes a cProfile (CPU time) of each process during the rate
phase of its path's last round to ``<dir>/<path>-<role>.prof``.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import json
import math
import multiprocessing
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import asyncpg
import nats
from faststream.nats import NatsBroker
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from ontour.contracts.intake import GespreksVorm, VoorgesprekGehouden
from ontour.db import asyncpg_dsn, create_engine, ensure_database, execute_plain
from ontour.devstack.servers import free_port, start_nats, start_postgres
from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer
from ontour.messaging.inbox import ProcessedEvent
from ontour.messaging.outbox import OutboxMessage, OutboxRelay, UnsentEvent, enqueue
from ontour.messaging.streams import ensure_streams, stream_for
from ontour.observability.tracing import configure_tracing
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import Field, Session, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

SERVICE = "intake"
STREAM = stream_for(SERVICE)
SUBJECT = VoorgesprekGehouden.nats_subject()

EVENTS = int(os.environ.get("BENCH_BACKBONE_EVENTS", "2000"))
WARMUP = 300
PRODUCERS = 4
RATE = float(os.environ.get("BENCH_BACKBONE_RATE", "200"))
IN_FLIGHT = 10
SECONDS = float(os.environ.get("BENCH_BACKBONE_SECONDS", "15"))
PHASE_TIMEOUT = 120.0
PROFILE_DIR = os.environ.get("BENCH_BACKBONE_PROFILE")

# The production settings, spelled out (the defaults of OutboxRelay and EventConsumer).
RELAY_BATCH = 100
RELAY_PUBLISH_TIMEOUT = 5.0
RELAY_SAFETY_POLL = 2.0
RELAY_LINGER = 0.005
CONSUMER_FETCH = 50
CONSUMER_FETCH_TIMEOUT = 5.0
ACK_WAIT = 30.0

GOAL_CPU_RATIO = 2.0
GOAL_P99_MS = 50.0

PATHS = ("baseline", "outbox", "plain")
# Mirrored, so a drift in the machine's speed that is steady over the run cancels out.
ORDER = ("baseline", "outbox", "plain", "plain", "outbox", "baseline")
DATABASES = {
    ("baseline", "producer"): "bench_raw_producer",
    ("baseline", "consumer"): "bench_raw_consumer",
    ("outbox", "producer"): "bench_producer",
    ("outbox", "consumer"): "bench_consumer",
    ("plain", "producer"): "bench_plain_producer",
    ("plain", "consumer"): "bench_plain_consumer",
}


# --- tables ---------------------------------------------------------------------------


class BenchVoorgesprek(SQLModel, table=True):
    """The producer's business row."""

    __tablename__ = "bench_voorgesprek"

    id: uuid.UUID = Field(primary_key=True)
    organisation_code: str
    held_on: date
    mode: str


class BenchReceipt(SQLModel, table=True):
    """The consumer's one write per event."""

    __tablename__ = "bench_receipt"

    event_id: uuid.UUID = Field(primary_key=True)
    voorgesprek_id: uuid.UUID
    organisation_code: str


TABLES: dict[tuple[str, str], list[type[SQLModel]]] = {
    ("baseline", "producer"): [BenchVoorgesprek],
    ("baseline", "consumer"): [BenchReceipt],
    ("outbox", "producer"): [OutboxMessage, BenchVoorgesprek],
    ("outbox", "consumer"): [ProcessedEvent, BenchReceipt],
    ("plain", "producer"): [OutboxMessage, BenchVoorgesprek],
    ("plain", "consumer"): [ProcessedEvent, BenchReceipt],
}


# --- clocks ---------------------------------------------------------------------------


class _TimedSession(Session):
    """A SQLModel session that runs ``info["bench_marks"]`` right after its COMMIT (a
    consumer's transaction may hold several events)."""


@event.listens_for(_TimedSession, "after_commit")
def _after_commit(session: Session) -> None:
    for mark in session.info.pop("bench_marks", []):
        mark()


def timed_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Like :func:`ontour.db.session_factory`, with the commit hook above."""
    return async_sessionmaker(
        engine, class_=AsyncSession, sync_session_class=_TimedSession, expire_on_commit=False
    )


@dataclass
class Clock:
    """One process's marks in one phase: event id -> ``perf_counter`` at the mark."""

    target: int = 0
    marks: dict[uuid.UUID, float] = field(default_factory=dict)
    published: dict[uuid.UUID, float] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def mark(self, event_id: uuid.UUID) -> None:
        self.marks[event_id] = time.perf_counter()
        if self.target and len(self.marks) >= self.target:
            self.done.set()

    def mark_published(self, event_id: uuid.UUID) -> None:
        self.published[event_id] = time.perf_counter()


@dataclass
class Current:
    """The clock of the running phase (handlers outlive phases)."""

    clock: Clock = field(default_factory=Clock)


def new_event() -> VoorgesprekGehouden:
    return VoorgesprekGehouden(
        voorgesprek_id=uuid.uuid4(),
        organisation_code="GM0014",
        held_on=date(2025, 3, 1),
        mode=GespreksVorm.FYSIEK,
    )


# --- statistics -----------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def latencies_ms(starts: dict[uuid.UUID, float], ends: dict[uuid.UUID, float]) -> list[float]:
    return [(ends[k] - starts[k]) * 1000 for k in ends.keys() & starts.keys()]


def latency_stats(samples: list[float]) -> dict[str, Any]:
    values = sorted(samples)
    if not values:
        return {"count": 0}
    return {
        "count": len(values),
        "p50_ms": round(percentile(values, 50), 2),
        "p95_ms": round(percentile(values, 95), 2),
        "p99_ms": round(percentile(values, 99), 2),
        "max_ms": round(values[-1], 2),
        "mean_ms": round(sum(values) / len(values), 2),
    }


# --- the processes: one side of one path each -----------------------------------------


class Side:
    """The producer or the consumer of one path, in its own process."""

    def __init__(self, database_url: str, nats_url: str) -> None:
        self.database_url = database_url
        self.nats_url = nats_url
        self.current = Current()

    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError


class Producer(Side):
    async def produce(self, clock: Clock) -> None:
        raise NotImplementedError


class _TimedRelay(OutboxRelay):
    """The production relay, noting the PubAck time per event (its test seam)."""

    current: Current

    def _after_publish(self, row: UnsentEvent) -> None:
        self.current.clock.mark_published(row.id)


class OutboxProducer(Producer):
    """A service's write side: business row + outbox row, and the relay (as Service runs
    them in one process)."""

    async def start(self) -> None:
        self.engine = create_engine(self.database_url)
        self.sessions = timed_sessions(self.engine)
        self.broker = NatsBroker(
            self.nats_url,
            middlewares=[NatsTelemetryMiddleware(tracer_provider=configure_tracing("bench"))],
            graceful_timeout=15.0,
            logger=None,
        )
        await self.broker.connect()
        await ensure_streams(self.broker.connection.jetstream(), update=False)
        self.relay = _TimedRelay(
            self.engine,
            self.broker,
            SERVICE,
            batch_size=RELAY_BATCH,
            publish_timeout=RELAY_PUBLISH_TIMEOUT,
            safety_poll_seconds=RELAY_SAFETY_POLL,
            linger_seconds=RELAY_LINGER,
            retention=timedelta(days=30),
        )
        self.relay.current = self.current
        self.relay_task = asyncio.create_task(self.relay.run(), name="outbox-relay")

    async def produce(self, clock: Clock) -> None:
        data = new_event()
        async with self.sessions() as session, session.begin():
            await self.write(session, data)
            envelope = await enqueue(session, data)
            session.info.setdefault("bench_marks", []).append(partial(clock.mark, envelope.id))

    async def write(self, session: AsyncSession, data: VoorgesprekGehouden) -> None:
        """The service's own row, as the use cases write theirs: through the ORM."""
        session.add(
            BenchVoorgesprek(
                id=data.voorgesprek_id,
                organisation_code=data.organisation_code,
                held_on=data.held_on,
                mode=data.mode.value,
            )
        )

    async def stop(self) -> None:
        self.relay.stop()
        await self.relay_task
        await self.broker.stop()
        await self.engine.dispose()


class OutboxConsumer(Side):
    """A service's read side: an EventConsumer on FastStream, inbox and handler in one
    transaction (as Service wires it)."""

    async def start(self) -> None:
        self.engine = create_engine(self.database_url)
        self.broker = NatsBroker(
            self.nats_url,
            middlewares=[NatsTelemetryMiddleware(tracer_provider=configure_tracing("bench"))],
            graceful_timeout=15.0,
            logger=None,
        )
        consumer = EventConsumer(
            service="bench",
            name="voorgesprekken",
            stream=STREAM,
            subject=SUBJECT,
            ack_wait_seconds=ACK_WAIT,
            fetch_size=CONSUMER_FETCH,
        )
        current = self.current

        @consumer.on(VoorgesprekGehouden)
        async def write_receipt(session: AsyncSession, envelope: CloudEvent, data: Any) -> None:
            await self.write(session, envelope, data)
            session.info.setdefault("bench_marks", []).append(
                partial(current.clock.mark, envelope.id)
            )

        consumer.subscribe(self.broker, timed_sessions(self.engine))
        await self.broker.connect()
        js = self.broker.connection.jetstream()
        await ensure_streams(js, update=False)
        await consumer.ensure(js)
        await self.broker.start()

    async def write(self, session: AsyncSession, envelope: CloudEvent, data: Any) -> None:
        """The handler's one row, as the projections write theirs: through the ORM."""
        session.add(
            BenchReceipt(
                event_id=envelope.id,
                voorgesprek_id=data.voorgesprek_id,
                organisation_code=data.organisation_code,
            )
        )

    async def stop(self) -> None:
        await self.broker.stop()
        await self.engine.dispose()


# The breakdown, not a target: the outbox path with each side's own row written by one plain
# statement in the same transaction (as the outbox and inbox rows are), so the difference to
# the outbox path is what the ORM unit of work of that one row costs, and the rest over the
# baseline is what the guarantees cost (outbox, relay, inbox, tracing, a SQLAlchemy session).
_PLAIN_VOORGESPREK = (
    "INSERT INTO bench_voorgesprek (id, organisation_code, held_on, mode) VALUES ($1, $2, $3, $4)"
)
_PLAIN_RECEIPT = (
    "INSERT INTO bench_receipt (event_id, voorgesprek_id, organisation_code) VALUES ($1, $2, $3)"
)


class PlainOutboxProducer(OutboxProducer):
    async def write(self, session: AsyncSession, data: VoorgesprekGehouden) -> None:
        await execute_plain(
            session, _PLAIN_VOORGESPREK, data.voorgesprek_id, data.organisation_code,
            data.held_on, data.mode.value,
        )  # fmt: skip


class PlainOutboxConsumer(OutboxConsumer):
    async def write(self, session: AsyncSession, envelope: CloudEvent, data: Any) -> None:
        await execute_plain(
            session, _PLAIN_RECEIPT, envelope.id, data.voorgesprek_id, data.organisation_code
        )


class RawProducer(Producer):
    """asyncpg insert, then nats-py publish (the "dual write" the outbox replaces: it can
    lose the event between commit and publish)."""

    async def start(self) -> None:
        self.pool = await asyncpg.create_pool(asyncpg_dsn(self.database_url), max_size=10)
        self.nc = await nats.connect(self.nats_url)
        self.js = self.nc.jetstream()
        await ensure_streams(self.js, update=False)

    async def produce(self, clock: Clock) -> None:
        event_id, voorgesprek_id = uuid.uuid4(), uuid.uuid4()
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO bench_voorgesprek (id, organisation_code, held_on, mode) "
                "VALUES ($1, $2, $3, $4)",
                voorgesprek_id,
                "GM0014",
                date(2025, 3, 1),
                GespreksVorm.FYSIEK.value,
            )
        clock.mark(event_id)
        payload = json.dumps(
            {
                "id": str(event_id),
                "type": VoorgesprekGehouden.event_type(),
                "time": datetime.now(UTC).isoformat(),
                "data": {"voorgesprek_id": str(voorgesprek_id), "organisation_code": "GM0014"},
            }
        ).encode()
        await self.js.publish(SUBJECT, payload, stream=STREAM, timeout=RELAY_PUBLISH_TIMEOUT)

    async def stop(self) -> None:
        await self.nc.close()
        await self.pool.close()


class RawConsumer(Side):
    """nats-py pull fetch, then per message: asyncpg insert, ack."""

    durable = "bench-raw"

    async def start(self) -> None:
        self.pool = await asyncpg.create_pool(asyncpg_dsn(self.database_url), max_size=10)
        self.nc = await nats.connect(self.nats_url)
        js = self.nc.jetstream()
        await ensure_streams(js, update=False)
        self.sub = await js.pull_subscribe(
            SUBJECT,
            durable=self.durable,
            stream=STREAM,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.ALL,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=ACK_WAIT,
                filter_subject=SUBJECT,
                max_ack_pending=1000,
            ),
        )
        self.task = asyncio.create_task(self._consume(), name="raw-consumer")

    async def _consume(self) -> None:
        while True:
            try:
                messages = await self.sub.fetch(CONSUMER_FETCH, timeout=CONSUMER_FETCH_TIMEOUT)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            for message in messages:
                document = json.loads(message.data)
                event_id = uuid.UUID(document["id"])
                async with self.pool.acquire() as conn, conn.transaction():
                    await conn.execute(
                        "INSERT INTO bench_receipt (event_id, voorgesprek_id, organisation_code) "
                        "VALUES ($1, $2, $3)",
                        event_id,
                        uuid.UUID(document["data"]["voorgesprek_id"]),
                        document["data"]["organisation_code"],
                    )
                self.current.clock.mark(event_id)
                await message.ack()

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.nc.close()
        await self.pool.close()


SIDES: dict[tuple[str, str], type[Side]] = {
    ("baseline", "producer"): RawProducer,
    ("baseline", "consumer"): RawConsumer,
    ("outbox", "producer"): OutboxProducer,
    ("outbox", "consumer"): OutboxConsumer,
    ("plain", "producer"): PlainOutboxProducer,
    ("plain", "consumer"): PlainOutboxConsumer,
}


# --- what a process does in a phase ---------------------------------------------------


async def _burst(producer: Producer, clock: Clock, events: int) -> None:
    """``events`` produced as fast as ``PRODUCERS`` concurrent producers can."""

    async def loop(count: int) -> None:
        for _ in range(count):
            await producer.produce(clock)

    shares = [events // PRODUCERS + (i < events % PRODUCERS) for i in range(PRODUCERS)]
    await asyncio.gather(*(loop(n) for n in shares))


async def _open_loop(producer: Producer, clock: Clock, events: int, rate: float) -> float:
    """One produce every ``1/rate`` s, whatever the previous ones are doing (up to
    ``IN_FLIGHT`` at once, the connection pool's size: beyond that the producer itself is
    the bottleneck and the achieved rate drops below the offered one). Returns the
    achieved rate."""
    running: set[asyncio.Task[None]] = set()
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def one() -> None:
        try:
            await producer.produce(clock)
        finally:
            slots.release()

    start = time.perf_counter()
    for i in range(events):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await slots.acquire()
        task = asyncio.create_task(one())
        running.add(task)
        task.add_done_callback(running.discard)
    achieved = events / (time.perf_counter() - start)
    await asyncio.gather(*running)
    return achieved


async def _serve(path: str, role: str, database_url: str, nats_url: str, conn: Connection) -> None:
    side = SIDES[path, role](database_url, nats_url)
    await side.start()
    conn.send("ready")
    while True:
        command, *args = await asyncio.to_thread(conn.recv)
        if command == "quit":
            break
        kind, events, rate = args
        clock = Clock(target=events if role == "consumer" else 0)
        side.current.clock = clock
        profile = cProfile.Profile(time.process_time) if PROFILE_DIR and kind == "rate" else None
        if profile:
            profile.enable()
        cpu = time.process_time()
        complete, achieved = True, 0.0
        if isinstance(side, Producer):
            if kind == "rate":
                achieved = await _open_loop(side, clock, events, rate)
            else:
                await _burst(side, clock, events)
            conn.send("produced")
            # The relay goes on working until the consumer has committed the last event.
            await asyncio.to_thread(conn.recv)
        else:
            try:
                await asyncio.wait_for(clock.done.wait(), PHASE_TIMEOUT)
            except TimeoutError:
                complete = False
        cpu = time.process_time() - cpu
        if profile:
            profile.disable()
            assert PROFILE_DIR is not None
            profile.dump_stats(Path(PROFILE_DIR) / f"{path}-{role}.prof")
        conn.send(
            {
                "cpu": cpu,
                "marks": clock.marks,
                "published": clock.published,
                "complete": complete,
                "achieved_rate": round(achieved, 1),
            }
        )
    await side.stop()


def _process(path: str, role: str, database_url: str, nats_url: str, conn: Connection) -> None:
    from bench import _loop_factory

    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        runner.run(_serve(path, role, database_url, nats_url, conn))


# --- the orchestrating process --------------------------------------------------------


class Remote:
    """A side running in a child process, driven over a pipe."""

    def __init__(self, path: str, role: str, database_url: str, nats_url: str) -> None:
        self.conn, child = multiprocessing.get_context("spawn").Pipe()
        self.process = multiprocessing.get_context("spawn").Process(
            target=_process, args=(path, role, database_url, nats_url, child), name=role
        )
        self.process.start()

    async def receive(self) -> Any:
        if not await asyncio.to_thread(self.conn.poll, PHASE_TIMEOUT + 60):
            raise TimeoutError(f"{self.process.name} did not answer")
        return self.conn.recv()

    def send(self, *message: Any) -> None:
        self.conn.send(message)

    async def close(self) -> None:
        if self.process.is_alive():
            with contextlib.suppress(BrokenPipeError):
                self.send("quit")
            await asyncio.to_thread(self.process.join, 30)
        if self.process.is_alive():
            self.process.kill()


async def phase(
    producer: Remote, consumer: Remote, kind: str, events: int, rate: float = 0.0
) -> dict[str, Any]:
    """One phase of one path: what both processes measured (see :func:`over_rounds`)."""
    consumer.send("phase", kind, events, rate)
    producer.send("phase", kind, events, rate)
    assert await producer.receive() == "produced"
    consumed = await consumer.receive()
    producer.send("end")
    produced = await producer.receive()
    start, end = min(produced["marks"].values()), max(consumed["marks"].values(), default=0.0)
    samples = {"latency": latencies_ms(produced["marks"], consumed["marks"])}
    if produced["published"]:
        samples["commit_to_puback"] = latencies_ms(produced["marks"], produced["published"])
        samples["puback_to_consumer_commit"] = latencies_ms(
            produced["published"], consumed["marks"]
        )
    return {
        "kind": kind,
        "events": events,
        "offered_rate": rate,
        "consumed": len(consumed["marks"]),
        "complete": consumed["complete"],
        "seconds": end - start,
        "producer_cpu": produced["cpu"],
        "consumer_cpu": consumed["cpu"],
        "achieved_rate": produced["achieved_rate"],
        "samples": samples,
    }


def over_rounds(phases: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures of one kind of phase over all of a path's rounds: CPU per event and
    throughput from the sums, latency percentiles over every event."""
    count = sum(p["consumed"] for p in phases)
    seconds = sum(p["seconds"] for p in phases)
    producer_cpu = sum(p["producer_cpu"] for p in phases)
    consumer_cpu = sum(p["consumer_cpu"] for p in phases)

    def pooled(name: str) -> list[float]:
        return [value for p in phases for value in p["samples"].get(name, [])]

    result: dict[str, Any] = {
        "rounds": len(phases),
        "events": sum(p["events"] for p in phases),
        "consumed": count,
        "complete": all(p["complete"] for p in phases),
        "seconds": round(seconds, 3),
        "events_per_second": round(count / seconds, 1),
        "python_cpu_ms_per_event": round((producer_cpu + consumer_cpu) * 1000 / max(count, 1), 3),
        "producer_cpu_ms_per_event": round(producer_cpu * 1000 / max(count, 1), 3),
        "consumer_cpu_ms_per_event": round(consumer_cpu * 1000 / max(count, 1), 3),
        "python_cpu_ms_per_event_per_round": [
            round((p["producer_cpu"] + p["consumer_cpu"]) * 1000 / max(p["consumed"], 1), 3)
            for p in phases
        ],
        "latency": latency_stats(pooled("latency")),
    }
    if phases[0]["kind"] == "rate":
        result["offered_rate"] = phases[0]["offered_rate"]
        result["achieved_offered_rate"] = min(p["achieved_rate"] for p in phases)
    if pooled("commit_to_puback"):
        result["stages"] = {
            "commit_to_puback": latency_stats(pooled("commit_to_puback")),
            "puback_to_consumer_commit": latency_stats(pooled("puback_to_consumer_commit")),
        }
    return result


async def measure(path: str, urls: dict[tuple[str, str], str], nats_url: str) -> dict[str, Any]:
    consumer = Remote(path, "consumer", urls[path, "consumer"], nats_url)
    producer = Remote(path, "producer", urls[path, "producer"], nats_url)
    try:
        for remote in (consumer, producer):
            assert await remote.receive() == "ready"
        await phase(producer, consumer, "burst", WARMUP)
        return {
            "throughput": await phase(producer, consumer, "burst", EVENTS),
            "rate": await phase(producer, consumer, "rate", int(RATE * SECONDS), RATE),
        }
    finally:
        await producer.close()
        await consumer.close()


async def _create_tables(url: str, models: list[type[SQLModel]]) -> None:
    await ensure_database(url)
    engine = create_engine(url)
    try:
        tables = [model.__table__ for model in models]  # type: ignore[attr-defined]
        async with engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all, tables=tables)
    finally:
        await engine.dispose()


async def _with_servers(work: Callable[[str, str], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="ontour-bench-"))
    pg_port, nats_port = free_port(), free_port()
    postgres = await asyncio.to_thread(
        start_postgres, home / "postgres", pg_port, home / "postgres.log"
    )
    try:
        broker = await asyncio.to_thread(start_nats, home / "nats", nats_port, home / "nats.log")
        try:
            return await work(
                f"postgresql+asyncpg://postgres@127.0.0.1:{pg_port}/postgres",
                f"nats://127.0.0.1:{nats_port}",
            )
        finally:
            broker.stop()
    finally:
        postgres.stop()
        shutil.rmtree(home, ignore_errors=True)


async def run() -> dict[str, Any]:
    load_before = os.getloadavg()

    async def both(server_url: str, nats_url: str) -> dict[str, Any]:
        urls = {key: server_url.rsplit("/", 1)[0] + f"/{name}" for key, name in DATABASES.items()}
        for key, models in TABLES.items():
            await _create_tables(urls[key], models)
        rounds: dict[str, list[dict[str, Any]]] = {path: [] for path in PATHS}
        for path in ORDER:
            rounds[path].append(await measure(path, urls, nats_url))
            # Leave an empty stream for the next round.
            nc = await nats.connect(nats_url)
            try:
                await nc.jetstream().purge_stream(STREAM)
            finally:
                await nc.close()
        return {
            path: {kind: over_rounds([r[kind] for r in done]) for kind in ("throughput", "rate")}
            for path, done in rounds.items()
        }

    return report(await _with_servers(both), load_before)


# --- the report -----------------------------------------------------------------------


def _ms(stats: dict[str, Any]) -> str:
    if not stats.get("count"):
        return "no events"
    return (
        f"p50 {stats['p50_ms']:.1f} p95 {stats['p95_ms']:.1f} p99 {stats['p99_ms']:.1f} "
        f"max {stats['max_ms']:.1f} ms"
    )


def _met(met: bool) -> str:
    return "gehaald" if met else "niet gehaald"


def report(measured: dict[str, Any], load_before: tuple[float, float, float]) -> dict[str, Any]:
    base, out = measured["baseline"]["rate"], measured["outbox"]["rate"]
    complete = all(p["complete"] for m in measured.values() for p in m.values())
    cpu_ratio = out["python_cpu_ms_per_event"] / base["python_cpu_ms_per_event"]
    p99 = out["latency"].get("p99_ms", math.inf)
    cpu_met = complete and cpu_ratio <= GOAL_CPU_RATIO
    p99_met = complete and p99 < GOAL_P99_MS
    goals = [
        {
            "name": f"outbox Python CPU per event / raw baseline's, at {RATE:g}/s",
            "target": f"<= {GOAL_CPU_RATIO:g}",
            "measured": round(cpu_ratio, 2),
            "met": cpu_met,
        },
        {
            "name": f"outbox p99 end-to-end latency at {RATE:g}/s offered",
            "target": f"< {GOAL_P99_MS:g} ms",
            "measured": f"{p99} ms",
            "met": p99_met,
        },
    ]
    load_after = os.getloadavg()
    summary = [
        f"producer and consumer in separate processes; per round {RATE:g}/s offered for "
        f"{SECONDS:g} s, then {EVENTS} events by {PRODUCERS} producers; rounds in the order "
        f"{', '.join(ORDER)}; {os.cpu_count()} CPUs, "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after",
    ]
    for name, m in measured.items():
        rate, burst = m["rate"], m["throughput"]
        summary += [
            f"{name} at {RATE:g}/s: {rate['python_cpu_ms_per_event']:.2f} ms Python CPU per event "
            f"(producer {rate['producer_cpu_ms_per_event']:.2f}, "
            f"consumer {rate['consumer_cpu_ms_per_event']:.2f}; per round "
            f"{', '.join(f'{v:.2f}' for v in rate['python_cpu_ms_per_event_per_round'])}); "
            f"latency {_ms(rate['latency'])}; "
            f"achieved {rate['achieved_offered_rate']:.0f}/s offered, "
            f"{rate['events_per_second']:.0f}/s consumed"
            + ("" if rate["complete"] else " INCOMPLETE"),
            f"{name} burst: {burst['events_per_second']:.0f} events/s end to end, "
            f"{burst['python_cpu_ms_per_event']:.2f} ms Python CPU per event"
            + ("" if burst["complete"] else " INCOMPLETE"),
        ]
    if stages := out.get("stages"):
        summary += [
            f"outbox stages at {RATE:g}/s: commit -> PubAck {_ms(stages['commit_to_puback'])}",
            f"                        PubAck -> consumer commit "
            f"{_ms(stages['puback_to_consumer_commit'])}",
        ]
    plain = measured["plain"]["rate"]
    orm_ms = out["python_cpu_ms_per_event"] - plain["python_cpu_ms_per_event"]
    plain_ratio = plain["python_cpu_ms_per_event"] / base["python_cpu_ms_per_event"]
    summary += [
        f"breakdown: the ORM unit of work of each side's own row (outbox - plain) "
        f"{orm_ms:.2f} ms per event; the guarantees without it (plain/baseline) "
        f"{plain_ratio:.2f}x the baseline",
        f"CPU per event outbox/baseline: {cpu_ratio:.2f} (<= {GOAL_CPU_RATIO:g}): {_met(cpu_met)}",
        f"p99 at {RATE:g}/s: {p99} ms (< {GOAL_P99_MS:g} ms): {_met(p99_met)}",
    ]
    return {
        "settings": {
            "events": EVENTS,
            "warmup_events": WARMUP,
            "producers": PRODUCERS,
            "rate": RATE,
            "seconds": SECONDS,
            "relay_batch_size": RELAY_BATCH,
            "relay_linger_seconds": RELAY_LINGER,
            "consumer_fetch_size": CONSUMER_FETCH,
            "consumer_fetch_timeout": CONSUMER_FETCH_TIMEOUT,
            "ack_wait": ACK_WAIT,
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": load_after,
        },
        **measured,
        "cpu_ratio": round(cpu_ratio, 3),
        "orm_ms_per_event": round(orm_ms, 3),
        "plain_cpu_ratio": round(plain_ratio, 3),
        "goals": goals,
        "summary": summary,
    }
