"""Rebuild a service's projection of other services' events: replay their streams from the
start into fresh tables and swap them in while the live consumers keep running.

1. Fresh tables in a schema ``rebuild`` (``LIKE`` the live ones, with their keys; their other
   indexes are built once the replay has loaded them).
2. Replay each consumed stream up to its last message into them (the service's ``replay``,
   through :func:`in_schema`).
3. Swap: in one transaction the live tables move to schema ``replaced`` and the rebuilt ones
   to ``public``; readers never see a half state.
4. Catch up: replay what arrived during the rebuild into the new tables. The projection must
   converge in any order (an event the live consumer wrote into the old tables while the swap
   happened is simply applied again).

The inbox is left alone: it records what the live consumers have seen, not the projection.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import nats
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from ontour.db import create_engine
from ontour.events import CloudEvent, EventData, UnreadableEvent, read_event
from ontour.messaging.consumer import EventConsumer

BATCH = 2000
SHADOW, REPLACED = "rebuild", "replaced"

# Applies messages first..last of the consumer's stream into the tables of the schema (None:
# the live ones); gives (messages applied, unreadable ones skipped).
Replay = Callable[
    [AsyncEngine, JetStreamContext, EventConsumer, int, int, str | None],
    Awaitable[tuple[int, int]],
]


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


@dataclass(slots=True)
class Tally:
    applied: int = 0
    skipped: int = 0


async def readable_events(
    js: JetStreamContext, stream: str, first: int, last: int, tally: Tally
) -> AsyncIterator[tuple[CloudEvent, EventData]]:
    """The readable events among :func:`stream_messages`, counted in ``tally`` with those
    skipped as unreadable (they are in the dead letters already, with their reason). Read
    by :func:`~ontour.events.read_event`: the envelope's ``data`` is the payload's model."""
    async for message in stream_messages(js, stream, first, last):
        try:
            envelope, data = read_event(message.data)
        except UnreadableEvent:
            tally.skipped += 1
            continue
        tally.applied += 1
        yield envelope, data


@asynccontextmanager
async def in_schema(engine: AsyncEngine, schema: str | None) -> AsyncIterator[AsyncSession]:
    """A session in a transaction whose unqualified tables are those of ``schema``."""
    options = {"schema_translate_map": {None: schema}} if schema else {}
    async with engine.connect() as connection:
        connection = await connection.execution_options(**options)
        async with AsyncSession(connection) as session, session.begin():
            yield session


async def create_shadow(
    connection: AsyncConnection, schema: str, tables: Sequence[str]
) -> list[str]:
    """(Re)create ``schema`` with empty copies of the live ``tables``: columns, defaults,
    checks, primary keys and unique constraints (what the replay looks rows up by and
    upserts on). The other indexes are left out, so the load does not maintain them row by
    row: gives the statements that build them (with the live names) once it is done."""
    await connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    await connection.execute(text(f"CREATE SCHEMA {schema}"))
    deferred: list[str] = []
    for table in tables:
        await connection.execute(text(
            f"CREATE TABLE {schema}.{table} (LIKE public.{table} INCLUDING ALL EXCLUDING INDEXES)"
        ))  # fmt: skip
        found = await connection.execute(
            text(
                "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
                " WHERE c.conrelid = CAST(:table AS regclass) AND c.contype IN ('p', 'u')"
                " ORDER BY c.conname"
            ),
            {"table": f"public.{table}"},
        )
        for name, definition in found.all():
            await connection.execute(
                text(f'ALTER TABLE {schema}.{table} ADD CONSTRAINT "{name}" {definition}')
            )
        found = await connection.execute(
            text(
                "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i"
                " WHERE i.indrelid = CAST(:table AS regclass) AND NOT EXISTS"
                " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"
                " ORDER BY i.indexrelid"
            ),
            {"table": f"public.{table}"},
        )
        live = f" ON public.{table} "
        deferred += [d.replace(live, f" ON {schema}.{table} ", 1) for (d,) in found.all()]
    return deferred


async def rebuild(
    engine: AsyncEngine, nats_url: str, *, tables: Sequence[str],
    consumers: Sequence[EventConsumer], replay: Replay,
) -> RebuildReport:  # fmt: skip
    """Rebuild ``tables`` from the streams of ``consumers`` (see the module's steps)."""
    started = time.perf_counter()
    async with engine.begin() as connection:
        await connection.execute(text(f"DROP SCHEMA IF EXISTS {REPLACED} CASCADE"))
        deferred = await create_shadow(connection, SHADOW, tables)
    client = await nats.connect(nats_url)
    js = client.jetstream()

    async def last_sequences() -> dict[str, int]:
        return {c.stream: (await js.stream_info(c.stream)).state.last_seq for c in consumers}

    events = skipped = 0
    # What lives before the replay is left out of the collector's full passes meanwhile: every
    # batch moves thousands of short-lived objects up to the oldest generation, and each full
    # pass would walk the whole process again (measured: a third of the replay's CPU). And
    # the collector runs only once 50,000 more objects live than before (not 700): a replay's
    # objects are freed with their batch, so at a million events it never has to run, where
    # it ran 14,000 times (a tenth of what the load adds to reading); cycles are still found.
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        replayed = await last_sequences()
        for consumer in consumers:
            done = await replay(engine, js, consumer, 1, replayed[consumer.stream], SHADOW)
            events, skipped = events + done[0], skipped + done[1]
        async with engine.begin() as connection:
            for index in deferred:
                await connection.execute(text(index))
        async with engine.begin() as connection:
            await connection.execute(text(f"CREATE SCHEMA {REPLACED}"))
            for table in tables:
                await connection.execute(text(f"ALTER TABLE public.{table} SET SCHEMA {REPLACED}"))
                await connection.execute(text(f"ALTER TABLE {SHADOW}.{table} SET SCHEMA public"))
        latest = await last_sequences()
        for consumer in consumers:
            start = replayed[consumer.stream] + 1
            done = await replay(engine, js, consumer, start, latest[consumer.stream], None)
            events, skipped = events + done[0], skipped + done[1]
        async with engine.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA {REPLACED} CASCADE"))
            await connection.execute(text(f"DROP SCHEMA {SHADOW} CASCADE"))
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        await client.close()
    return RebuildReport(events, skipped, time.perf_counter() - started)


def run(
    db_url: str, nats_url: str, rebuild: Callable[[AsyncEngine, str], Awaitable[RebuildReport]]
) -> str:
    """Run a service's rebuild on its database and broker (a command); what it did, in Dutch."""

    async def go() -> RebuildReport:
        engine = create_engine(db_url, pool_size=2)
        try:
            return await rebuild(engine, nats_url)
        finally:
            await engine.dispose()

    report = asyncio.run(go())
    return (
        f"{report.events} events opnieuw verwerkt in {report.seconds:.1f} s "
        f"({report.events_per_second:.0f}/s); {report.skipped} onleesbaar (in de dead letters)."
    )
