"""``ontour reporting rebuild``: replay every stream from the start into fresh read models and
swap them in while the live projection keeps running (:mod:`ontour.messaging.replay`).

The replay applies the events as the live projection does
(:mod:`reporting.usecases.read_models`, so a rebuild gives exactly the live numbers), a batch per
transaction with one read and one write per table. Every change is idempotent (highest
revision wins, a case keeps its earliest moments), so the catch-up after the swap may apply
again what the live projection wrote into the old tables.
"""

from __future__ import annotations

from datetime import datetime

from nats.js import JetStreamContext
from ontour.events import EventData
from ontour.messaging import replay
from ontour.messaging.consumer import EventConsumer
from ontour.messaging.replay import BATCH, RebuildReport, Tally, in_schema, readable_events
from sqlalchemy.ext.asyncio import AsyncEngine

from reporting.handlers import consumers
from reporting.models import READ_MODELS, RmState
from reporting.usecases import read_models

TABLES = [*(table.value for table in READ_MODELS), RmState.__tablename__]


async def _replay(
    engine: AsyncEngine, js: JetStreamContext, consumer: EventConsumer, first: int, last: int,
    schema: str | None,
) -> tuple[int, int]:  # fmt: skip
    """Apply ``first``..``last`` of the consumer's stream; (applied, skipped unreadable)."""
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


async def rebuild(engine: AsyncEngine, nats_url: str) -> RebuildReport:
    return await replay.rebuild(
        engine, nats_url, tables=TABLES, consumers=consumers, replay=_replay
    )
