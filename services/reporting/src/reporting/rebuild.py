"""``ontour reporting rebuild``: replay every stream from the start into fresh read models and
swap them in while the live projection keeps running (:mod:`ontour.messaging.replay`).

The replay applies the changes of the live projection itself
(:mod:`reporting.domain.projection`, so a rebuild gives exactly the live numbers). Into the
fresh tables, which nothing else writes, it loads a batch at a time with the driver itself
(:func:`reporting.repository.load`: rows folded in memory, new ones by ``COPY``) while the
next batch is read; the catch-up after the swap goes through the live consumers'
:func:`reporting.usecases.read_models.project`. Every change is idempotent (highest revision wins, a
case keeps its earliest moments), so the catch-up may apply again what the live projection
wrote into the old tables.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from nats.js import JetStreamContext
from ontour.events import EventData
from ontour.messaging import replay
from ontour.messaging.consumer import EventConsumer
from ontour.messaging.replay import BATCH, RebuildReport, Tally, in_schema, readable_events
from sqlalchemy.ext.asyncio import AsyncEngine

from reporting import repository
from reporting.domain.projection import ABOUT_PEOPLE, Change, changes_of
from reporting.handlers import consumers
from reporting.models import READ_MODELS, RmState
from reporting.usecases import read_models

TABLES = [*(table.value for table in READ_MODELS), RmState.__tablename__]


async def _replay(
    engine: AsyncEngine, js: JetStreamContext, consumer: EventConsumer, first: int, last: int,
    schema: str | None,
) -> tuple[int, int]:  # fmt: skip
    """Apply ``first``..``last`` of the consumer's stream; (applied, skipped unreadable)."""
    if schema is not None:
        return await _load(engine, js, consumer, first, last, schema)
    tally = Tally()
    batch: list[tuple[EventData, datetime]] = []

    async def flush() -> None:
        async with in_schema(engine, schema) as session:
            await read_models.project(session, batch)
        batch.clear()

    async for envelope, data in readable_events(js, consumer.stream, first, last, tally):
        if type(data) in consumer.handlers:
            batch.append((data, envelope.time))
        if len(batch) >= BATCH:
            await flush()
    if batch:
        await flush()
    return tally.applied, tally.skipped


async def _load(
    engine: AsyncEngine, js: JetStreamContext, consumer: EventConsumer, first: int, last: int,
    schema: str,
) -> tuple[int, int]:  # fmt: skip
    """Load ``first``..``last`` of the consumer's stream into the fresh tables of ``schema``,
    writing one batch while reading the next (in order, and never more than one ahead)."""
    tally = Tally()
    batch: list[Change] = []
    newest: datetime | None = None  # of the tour's events, as the live projection keeps it
    writing: asyncio.Task[None] | None = None
    written = repository.Written()
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        try:
            async for envelope, data in readable_events(js, consumer.stream, first, last, tally):
                if type(data) not in consumer.handlers:
                    continue
                changes = changes_of(data, envelope.time)
                batch += changes
                # (One comparison: pydantic gives every time its own tzinfo, which makes a
                # comparison of two cost ten times that of two in UTC.)
                if changes[0].table not in ABOUT_PEOPLE and (
                    newest is None or envelope.time > newest
                ):
                    newest = envelope.time
                if len(batch) >= BATCH:
                    if writing is not None:
                        await writing
                    writing = asyncio.create_task(repository.load(driver, schema, batch, written))
                    batch = []
            if writing is not None:
                await writing
            await repository.load(driver, schema, batch, written)
        finally:
            if writing is not None and not writing.done():
                writing.cancel()
    if newest is not None:
        async with in_schema(engine, schema) as session:
            await repository.saw_event(session, newest)
    return tally.applied, tally.skipped


async def rebuild(engine: AsyncEngine, nats_url: str) -> RebuildReport:
    return await replay.rebuild(
        engine, nats_url, tables=TABLES, consumers=consumers, replay=_replay
    )
