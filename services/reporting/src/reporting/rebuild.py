"""``ontour reporting rebuild``: replay every stream from the start into fresh read models and
swap them in while the live projection keeps running.

1. Fresh tables in a schema ``rebuild`` (``LIKE`` the live ones).
2. Replay each stream up to its last message into them: the changes of the live projection
   itself (:mod:`reporting.domain.projection`, so a rebuild gives exactly the live numbers),
   a batch per transaction with one read and one write per table.
3. Swap: in one transaction the live tables move to schema ``replaced`` and the rebuilt ones
   to ``public``; readers never see a half state.
4. Catch up: replay what arrived during the rebuild into the new tables. Every change is
   idempotent (highest revision wins, a case keeps its earliest moments), so an event that the
   live projection wrote into the old tables while the swap happened is simply applied again.

The inbox is left alone: it records what the live consumers have seen, not the read models.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from ontour.events import UnreadableEvent, parse_event
from ontour.messaging.consumer import EventConsumer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting import repository
from reporting.domain.projection import CHANGES, Change
from reporting.handlers import consumers
from reporting.models import READ_MODELS, RmState

TABLES = [*(table.value for table in READ_MODELS), RmState.__tablename__]
BATCH = 2000
SHADOW, REPLACED = "rebuild", "replaced"


@dataclass(frozen=True, slots=True)
class RebuildReport:
    events: int
    skipped: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


async def stream_messages(js: JetStreamContext, stream: str, first: int, last: int) -> Any:
    """The stream's messages ``first``..``last`` in order, fetched a batch at a time by an
    ephemeral pull consumer without acks (pulling never outruns the replay, so no message is
    dropped as it would be by a push subscription whose reader falls behind)."""
    if last < first:
        return
    info = await js.stream_info(stream)
    subject = info.config.subjects[0] if info.config.subjects else ">"
    subscription = await js.pull_subscribe(
        subject, stream=stream,
        config=ConsumerConfig(
            deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=first,
            ack_policy=AckPolicy.NONE, inactive_threshold=60.0,
        ),
    )  # fmt: skip
    try:
        while True:
            for message in await subscription.fetch(BATCH, timeout=10.0):
                yield message
                if message.metadata.sequence.stream >= last:
                    return
    finally:
        await subscription.unsubscribe()


async def _replay(
    engine: AsyncEngine, js: JetStreamContext, consumer: EventConsumer, first: int, last: int,
    schema: str | None,
) -> tuple[int, int]:  # fmt: skip
    """Apply ``first``..``last`` of the consumer's stream; (applied, skipped unreadable)."""
    applied = skipped = 0
    batch: list[Change] = []
    newest: datetime | None = None

    async def flush() -> None:
        options = {"schema_translate_map": {None: schema}} if schema else {}
        async with engine.connect() as connection:
            connection = await connection.execution_options(**options)
            async with AsyncSession(connection) as session, session.begin():
                assert newest is not None
                await repository.project(session, batch, newest)
        batch.clear()

    async for message in stream_messages(js, consumer.stream, first, last):
        try:
            envelope, data = parse_event(message.data)
        except UnreadableEvent:
            skipped += 1  # it is in the dead letters already, with its reason
            continue
        applied += 1
        if type(data) in consumer.handlers:
            batch.append(CHANGES[type(data)](data, envelope.time))
            newest = envelope.time if newest is None else max(newest, envelope.time)
        if len(batch) >= BATCH:
            await flush()
    if batch:
        await flush()
    return applied, skipped


async def _last_sequences(js: JetStreamContext) -> dict[str, int]:
    return {c.stream: (await js.stream_info(c.stream)).state.last_seq for c in consumers}


async def rebuild(engine: AsyncEngine, nats_url: str) -> RebuildReport:
    started = time.perf_counter()
    async with engine.begin() as connection:
        await connection.execute(text(f"DROP SCHEMA IF EXISTS {SHADOW} CASCADE"))
        await connection.execute(text(f"DROP SCHEMA IF EXISTS {REPLACED} CASCADE"))
        await connection.execute(text(f"CREATE SCHEMA {SHADOW}"))
        for table in TABLES:
            await connection.execute(
                text(f"CREATE TABLE {SHADOW}.{table} (LIKE public.{table} INCLUDING ALL)")
            )
    client = await nats.connect(nats_url)
    js = client.jetstream()
    events = skipped = 0
    try:
        replayed = await _last_sequences(js)
        for consumer in consumers:
            done = await _replay(engine, js, consumer, 1, replayed[consumer.stream], SHADOW)
            events, skipped = events + done[0], skipped + done[1]
        async with engine.begin() as connection:
            await connection.execute(text(f"CREATE SCHEMA {REPLACED}"))
            for table in TABLES:
                await connection.execute(text(f"ALTER TABLE public.{table} SET SCHEMA {REPLACED}"))
                await connection.execute(text(f"ALTER TABLE {SHADOW}.{table} SET SCHEMA public"))
        latest = await _last_sequences(js)
        for consumer in consumers:
            start = replayed[consumer.stream] + 1
            done = await _replay(engine, js, consumer, start, latest[consumer.stream], None)
            events, skipped = events + done[0], skipped + done[1]
        async with engine.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA {REPLACED} CASCADE"))
            await connection.execute(text(f"DROP SCHEMA {SHADOW} CASCADE"))
    finally:
        await client.close()
    return RebuildReport(events, skipped, time.perf_counter() - started)
