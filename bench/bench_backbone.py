"""The event backbone: outbox -> JetStream -> inbox, against raw nats-py JetStream.

Both paths run in one process against the same embedded PostgreSQL and nats-server
(started here on free ports in a temporary directory), one after the other:

- outbox (the production path): a transaction writes a business row and its outbox row
  (:func:`ontour.messaging.outbox.enqueue`); the :class:`OutboxRelay` publishes it through a
  FastStream :class:`NatsBroker` (with the production telemetry middleware); an
  :class:`EventConsumer` on the same broker claims the event in its inbox and writes one row
  in one transaction, then acks.
- baseline: raw nats-py ``js.publish`` (awaiting the PubAck) and a ``js.pull_subscribe``
  consumer fetching with the same batch size and timeout, processing a fetched batch
  concurrently as FastStream does, writing the same row in one transaction, then acking.

The consumer's database write goes through the same engine settings and SQLModel session in
both paths, so the difference is what the outbox, the relay, FastStream and the inbox cost.

Figures:
- throughput: ``EVENTS`` (env ``BENCH_BACKBONE_EVENTS``, default 5000) produced as fast as
  ``PRODUCERS`` concurrent producers can; events/s from the first produce until the last
  consumer commit, and this process's CPU time per event (every Python part of the path runs
  here, so it is what limits both paths on a small machine);
- latency at a fixed offered rate (open loop, ``RATE`` events/s for ``SECONDS`` s; and, to
  show the path's own latency without queueing, ``LOW_RATE`` for ``LOW_SECONDS`` s): consumer
  commit minus producer commit (outbox) or PubAck (baseline); p50/p95/p99/max. For the outbox
  path also split at the relay's PubAck.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import nats
from faststream.nats import NatsBroker
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from ontour.contracts.intake import GespreksVorm, VoorgesprekGehouden
from ontour.db import create_engine, ensure_database
from ontour.devstack.servers import free_port, start_nats, start_postgres
from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer
from ontour.messaging.inbox import ProcessedEvent
from ontour.messaging.outbox import OutboxMessage, OutboxRelay, enqueue
from ontour.messaging.streams import ensure_streams, stream_for
from ontour.observability.tracing import configure_tracing
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import Field, Session, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

SERVICE = "intake"
STREAM = stream_for(SERVICE)
SUBJECT = VoorgesprekGehouden.nats_subject()

EVENTS = int(os.environ.get("BENCH_BACKBONE_EVENTS", "5000"))
WARMUP = 300
PRODUCERS = 4
RATE = 200
SECONDS = 10.0
# Informative: the path's own latency when nothing queues.
LOW_RATE = 20
LOW_SECONDS = 5.0
PHASE_TIMEOUT = 90.0

# The production settings, spelled out (the defaults of OutboxRelay and EventConsumer).
RELAY_BATCH = 100
RELAY_PUBLISH_TIMEOUT = 5.0
RELAY_SAFETY_POLL = 2.0
CONSUMER_BATCH = 10
CONSUMER_FETCH_TIMEOUT = 5.0
ACK_WAIT = 30.0

GOAL_RATIO = 0.5
GOAL_P99_MS = 50.0


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


# --- clocks ---------------------------------------------------------------------------


class _TimedSession(Session):
    """A SQLModel session that runs ``info["bench_mark"]`` right after its COMMIT."""


@event.listens_for(_TimedSession, "after_commit")
def _after_commit(session: Session) -> None:
    mark = session.info.pop("bench_mark", None)
    if mark is not None:
        mark()


def timed_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Like :func:`ontour.db.session_factory`, with the commit hook above."""
    return async_sessionmaker(
        engine, class_=AsyncSession, sync_session_class=_TimedSession, expire_on_commit=False
    )


@dataclass
class Clock:
    """Per event: when it was produced, published (PubAck) and consumed (commit)."""

    target: int
    produced: dict[uuid.UUID, float] = field(default_factory=dict)
    published: dict[uuid.UUID, float] = field(default_factory=dict)
    consumed: dict[uuid.UUID, float] = field(default_factory=dict)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def mark_produced(self, event_id: uuid.UUID) -> None:
        self.produced[event_id] = time.perf_counter()

    def mark_published(self, event_id: uuid.UUID) -> None:
        self.published[event_id] = time.perf_counter()

    def mark_consumed(self, event_id: uuid.UUID) -> None:
        self.consumed[event_id] = time.perf_counter()
        if len(self.consumed) >= self.target:
            self.done.set()


@dataclass
class Current:
    """The clock of the running phase (handlers outlive phases)."""

    clock: Clock = field(default_factory=lambda: Clock(0))


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


def latency_stats(starts: dict[uuid.UUID, float], ends: dict[uuid.UUID, float]) -> dict[str, Any]:
    values = sorted((ends[k] - starts[k]) * 1000 for k in ends.keys() & starts.keys())
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


# --- the two paths --------------------------------------------------------------------


class Pipeline:
    """One way from a producer to a consumer commit; set up, produce, tear down."""

    name: str

    def __init__(self, server_url: str, nats_url: str) -> None:
        self.server_url = server_url
        self.nats_url = nats_url
        self.current = Current()

    async def produce(self, clock: Clock) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    def stages(self, clock: Clock) -> dict[str, Any]:
        return {}


class _TimedRelay(OutboxRelay):
    """The production relay, noting the PubAck time per event (its test seam)."""

    current: Current

    def _after_publish(self, row: OutboxMessage) -> None:
        self.current.clock.mark_published(row.id)


class OutboxPath(Pipeline):
    name = "outbox"

    async def start(self) -> None:
        producer_url = _database(self.server_url, "bench_producer")
        consumer_url = _database(self.server_url, "bench_consumer")
        await ensure_database(producer_url)
        await ensure_database(consumer_url)
        self.producer_engine = create_engine(producer_url)
        self.consumer_engine = create_engine(consumer_url)
        await _create_tables(self.producer_engine, [OutboxMessage, BenchVoorgesprek])
        await _create_tables(self.consumer_engine, [ProcessedEvent, BenchReceipt])
        self.producer_sessions = timed_sessions(self.producer_engine)
        consumer_sessions = timed_sessions(self.consumer_engine)

        # As Service.build_broker builds it.
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
            batch_size=CONSUMER_BATCH,
        )
        current = self.current

        @consumer.on(VoorgesprekGehouden)
        async def write_receipt(session: AsyncSession, envelope: CloudEvent, data: Any) -> None:
            session.add(
                BenchReceipt(
                    event_id=envelope.id,
                    voorgesprek_id=data.voorgesprek_id,
                    organisation_code=data.organisation_code,
                )
            )
            session.info["bench_mark"] = partial(current.clock.mark_consumed, envelope.id)

        consumer.subscribe(self.broker, consumer_sessions)
        # As Service._start starts it.
        await self.broker.connect()
        js = self.broker.connection.jetstream()
        await ensure_streams(js, update=False)
        await consumer.ensure(js)
        await self.broker.start()
        self.relay = _TimedRelay(
            self.producer_engine,
            self.broker,
            SERVICE,
            batch_size=RELAY_BATCH,
            publish_timeout=RELAY_PUBLISH_TIMEOUT,
            safety_poll_seconds=RELAY_SAFETY_POLL,
            retention=timedelta(days=30),
        )
        self.relay.current = current
        self.relay_task = asyncio.create_task(self.relay.run(), name="outbox-relay")

    async def produce(self, clock: Clock) -> None:
        data = new_event()
        async with self.producer_sessions() as session, session.begin():
            session.add(
                BenchVoorgesprek(
                    id=data.voorgesprek_id,
                    organisation_code=data.organisation_code,
                    held_on=data.held_on,
                    mode=data.mode.value,
                )
            )
            envelope = await enqueue(session, data)
            session.info["bench_mark"] = partial(clock.mark_produced, envelope.id)

    def stages(self, clock: Clock) -> dict[str, Any]:
        return {
            "commit_to_puback": latency_stats(clock.produced, clock.published),
            "puback_to_consumer_commit": latency_stats(clock.published, clock.consumed),
        }

    async def stop(self) -> None:
        self.relay_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.relay_task
        await self.broker.stop()
        await self.producer_engine.dispose()
        await self.consumer_engine.dispose()


class BaselinePath(Pipeline):
    name = "baseline"
    durable = "bench-baseline"

    async def start(self) -> None:
        url = _database(self.server_url, "bench_baseline")
        await ensure_database(url)
        self.engine = create_engine(url)
        await _create_tables(self.engine, [BenchVoorgesprek, BenchReceipt])
        self.sessions = timed_sessions(self.engine)
        self.nc = await nats.connect(self.nats_url)
        self.js = self.nc.jetstream()
        await ensure_streams(self.js, update=False)
        self.sub = await self.js.pull_subscribe(
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
        self.task = asyncio.create_task(self._consume(), name="baseline-consumer")

    async def _consume(self) -> None:
        while True:
            try:
                messages = await self.sub.fetch(CONSUMER_BATCH, timeout=CONSUMER_FETCH_TIMEOUT)
            except (TimeoutError, nats.errors.TimeoutError):
                continue
            async with asyncio.TaskGroup() as group:
                for message in messages:
                    group.create_task(self._handle(message))

    async def _handle(self, message: Any) -> None:
        document = json.loads(message.data)
        event_id = uuid.UUID(document["id"])
        clock = self.current.clock
        try:
            async with self.sessions() as session, session.begin():
                session.add(
                    BenchReceipt(
                        event_id=event_id,
                        voorgesprek_id=uuid.UUID(document["data"]["voorgesprek_id"]),
                        organisation_code=document["data"]["organisation_code"],
                    )
                )
                session.info["bench_mark"] = partial(clock.mark_consumed, event_id)
        except Exception:  # e.g. a redelivery after ack_wait: let JetStream retry
            await message.nak(delay=0.5)
            return
        await message.ack()

    async def produce(self, clock: Clock) -> None:
        # The same business write as the outbox path, then a plain publish: the "dual
        # write" the outbox replaces (it can lose the event between commit and publish).
        data = new_event()
        envelope = CloudEvent.wrap(data)
        async with self.sessions() as session, session.begin():
            session.add(
                BenchVoorgesprek(
                    id=data.voorgesprek_id,
                    organisation_code=data.organisation_code,
                    held_on=data.held_on,
                    mode=data.mode.value,
                )
            )
            session.info["bench_mark"] = partial(clock.mark_produced, envelope.id)
        payload = envelope.model_dump_json().encode()
        await self.js.publish(SUBJECT, payload, stream=STREAM, timeout=RELAY_PUBLISH_TIMEOUT)

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        await self.sub.unsubscribe()
        await self.js.delete_consumer(STREAM, self.durable)
        # Leave an empty stream for the next path.
        await self.js.purge_stream(STREAM)
        await self.nc.close()
        await self.engine.dispose()


def _database(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + f"/{name}"


async def _create_tables(engine: AsyncEngine, models: list[type[SQLModel]]) -> None:
    tables = [model.__table__ for model in models]  # type: ignore[attr-defined]
    async with engine.begin() as conn:
        await conn.run_sync(SQLModel.metadata.create_all, tables=tables)


# --- phases ---------------------------------------------------------------------------


async def _await_consumed(clock: Clock) -> bool:
    try:
        await asyncio.wait_for(clock.done.wait(), PHASE_TIMEOUT)
    except TimeoutError:
        return False
    return True


async def throughput(path: Pipeline, events: int, producers: int = PRODUCERS) -> dict[str, Any]:
    """``events`` produced as fast as ``producers`` concurrent producers can."""
    clock = Clock(events)
    path.current.clock = clock

    async def producer(count: int) -> None:
        for _ in range(count):
            await path.produce(clock)

    shares = [events // producers + (i < events % producers) for i in range(producers)]
    cpu, start = time.process_time(), time.perf_counter()
    await asyncio.gather(*(producer(n) for n in shares))
    produced = time.perf_counter()
    complete = await _await_consumed(clock)
    end = max(clock.consumed.values(), default=time.perf_counter())
    cpu = time.process_time() - cpu
    result: dict[str, Any] = {
        "events": events,
        "producers": producers,
        "consumed": len(clock.consumed),
        "complete": complete,
        "seconds": round(end - start, 3),
        "events_per_second": round(len(clock.consumed) / (end - start), 1),
        "produce_events_per_second": round(events / (produced - start), 1),
        # This process's CPU time (producers, relay, consumer; not the servers') per event.
        "python_cpu_ms_per_event": round(cpu * 1000 / max(len(clock.consumed), 1), 2),
        "latency_under_load": latency_stats(clock.produced, clock.consumed),
    }
    if clock.published:
        first, last = min(clock.published.values()), max(clock.published.values())
        result["relay_events_per_second"] = round(len(clock.published) / (last - start), 1)
        result["relay_first_puback_after_ms"] = round((first - start) * 1000, 1)
    if stages := path.stages(clock):
        result["stages"] = stages
    return result


async def latency(path: Pipeline, rate: float = RATE, seconds: float = SECONDS) -> dict[str, Any]:
    """Open loop: one produce every ``1/rate`` s, whatever the previous ones are doing."""
    events = int(rate * seconds)
    clock = Clock(events)
    path.current.clock = clock
    running: set[asyncio.Task[None]] = set()
    start = time.perf_counter()
    for i in range(events):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(path.produce(clock))
        running.add(task)
        task.add_done_callback(running.discard)
    offered = time.perf_counter()
    await asyncio.gather(*running)
    complete = await _await_consumed(clock)
    end = max(clock.consumed.values(), default=time.perf_counter())
    result: dict[str, Any] = {
        "offered_rate": rate,
        "seconds": seconds,
        "achieved_offered_rate": round(events / (offered - start), 1),
        # Below the offered rate: the path could not keep up and a backlog grew.
        "consumed_rate": round(len(clock.consumed) / (end - start), 1),
        "events": events,
        "consumed": len(clock.consumed),
        "complete": complete,
        **latency_stats(clock.produced, clock.consumed),
    }
    if stages := path.stages(clock):
        result["stages"] = stages
    return result


async def measure(path: Pipeline) -> dict[str, Any]:
    await throughput(path, WARMUP)
    return {
        "throughput": await throughput(path, EVENTS),
        "latency_low_rate": await latency(path, LOW_RATE, LOW_SECONDS),
        "latency": await latency(path, RATE, SECONDS),
    }


# --- entry point ----------------------------------------------------------------------


async def run() -> dict[str, Any]:
    load_before = os.getloadavg()
    home = Path(tempfile.mkdtemp(prefix="ontour-bench-"))
    pg_port, nats_port = free_port(), free_port()
    postgres = await asyncio.to_thread(
        start_postgres, home / "postgres", pg_port, home / "postgres.log"
    )
    try:
        broker = await asyncio.to_thread(start_nats, home / "nats", nats_port, home / "nats.log")
        try:
            server_url = f"postgresql+asyncpg://postgres@127.0.0.1:{pg_port}/postgres"
            nats_url = f"nats://127.0.0.1:{nats_port}"
            measured = {}
            for path_class in (BaselinePath, OutboxPath):
                path = path_class(server_url, nats_url)
                await path.start()
                try:
                    measured[path.name] = await measure(path)
                finally:
                    await path.stop()
        finally:
            broker.stop()
    finally:
        postgres.stop()
        shutil.rmtree(home, ignore_errors=True)
    return report(measured, load_before)


def _ms(stats: dict[str, Any]) -> str:
    if not stats.get("count"):
        return "no events"
    return (
        f"p50 {stats['p50_ms']:.1f} p95 {stats['p95_ms']:.1f} p99 {stats['p99_ms']:.1f} "
        f"max {stats['max_ms']:.1f} ms"
    )


def report(measured: dict[str, Any], load_before: tuple[float, float, float]) -> dict[str, Any]:
    base, out = measured["baseline"], measured["outbox"]
    ratio = out["throughput"]["events_per_second"] / base["throughput"]["events_per_second"]
    p99 = out["latency"].get("p99_ms", math.inf)
    complete = all(m[phase]["complete"] for m in measured.values() for phase in m)
    goals = [
        {
            "name": "outbox throughput / baseline throughput",
            "target": f">= {GOAL_RATIO}",
            "measured": round(ratio, 3),
            "met": complete and ratio >= GOAL_RATIO,
        },
        {
            "name": f"outbox p99 end-to-end latency at {RATE}/s",
            "target": f"< {GOAL_P99_MS:g} ms",
            "measured": f"{p99} ms",
            "met": complete and p99 < GOAL_P99_MS,
        },
    ]
    load_after = os.getloadavg()
    summary = [
        f"{EVENTS} events by {PRODUCERS} producers; latency at {RATE}/s for {SECONDS:g} s "
        f"and at {LOW_RATE}/s for {LOW_SECONDS:g} s; {os.cpu_count()} CPUs, "
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after",
    ]
    for name, m in measured.items():
        t, lat, low = m["throughput"], m["latency"], m["latency_low_rate"]
        summary += [
            f"{name}: {t['events_per_second']:.1f} events/s end to end "
            f"(produce {t['produce_events_per_second']:.0f}/s, "
            f"{t['python_cpu_ms_per_event']:.2f} ms Python CPU per event)"
            + ("" if t["complete"] else " INCOMPLETE"),
            f"  at {RATE}/s: {_ms(lat)}; consumed {lat['consumed_rate']:.0f}/s"
            + ("" if lat["complete"] else " INCOMPLETE"),
            f"  at {LOW_RATE}/s: {_ms(low)}",
        ]
    summary.append(f"throughput ratio outbox/baseline: {ratio:.3f}")
    for label, phase in ((f"{RATE}/s", out["latency"]), (f"{LOW_RATE}/s", out["latency_low_rate"])):
        stages = phase.get("stages", {})
        if stages:
            summary += [
                f"outbox stages at {label}: commit -> PubAck {_ms(stages['commit_to_puback'])}",
                f"{'':>{len(label) + 18}}PubAck -> consumer commit "
                f"{_ms(stages['puback_to_consumer_commit'])}",
            ]
    return {
        "settings": {
            "events": EVENTS,
            "warmup_events": WARMUP,
            "producers": PRODUCERS,
            "rate": RATE,
            "seconds": SECONDS,
            "low_rate": LOW_RATE,
            "low_rate_seconds": LOW_SECONDS,
            "relay_batch_size": RELAY_BATCH,
            "consumer_batch_size": CONSUMER_BATCH,
            "consumer_fetch_timeout": CONSUMER_FETCH_TIMEOUT,
            "ack_wait": ACK_WAIT,
            "cpus": os.cpu_count(),
            "load_average_before": load_before,
            "load_average_after": load_after,
        },
        **measured,
        "ratio": round(ratio, 3),
        "goals": goals,
        "summary": summary,
    }
