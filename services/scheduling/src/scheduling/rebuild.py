"""``ontour scheduling rebuild``: replay intake's stream from the start into fresh tables of
what scheduling projects from it (organisations, session requests) and swap them in while the
live consumer keeps running (:mod:`ontour.messaging.replay`).

Scheduling's own records (sessions, teamleden, planner runs) are not projected from any
stream and stay as they are. The replay runs the live consumer's handlers themselves, so a
rebuild gives exactly the live rows; they converge in any order, so the catch-up after the
swap may apply again what the live consumer wrote into the old tables.
"""

from __future__ import annotations

from nats.js import JetStreamContext
from ontour.messaging import replay
from ontour.messaging.consumer import EventConsumer
from ontour.messaging.replay import BATCH, RebuildReport, Tally, in_schema, readable_events
from sqlalchemy.ext.asyncio import AsyncEngine

from scheduling.handlers import consumers
from scheduling.models import OrganisationRow, SessionRequestRow

TABLES = [OrganisationRow.__tablename__, SessionRequestRow.__tablename__]


async def _replay(
    engine: AsyncEngine, js: JetStreamContext, consumer: EventConsumer, first: int, last: int,
    schema: str | None,
) -> tuple[int, int]:  # fmt: skip
    """Run the consumer's handlers on ``first``..``last`` of its stream, a batch per
    transaction; (applied, skipped unreadable)."""
    tally = Tally()
    events = readable_events(js, consumer.stream, first, last, tally)
    while True:
        async with in_schema(engine, schema) as session:
            async for envelope, data in events:
                if (handler := consumer.handlers.get(type(data))) is not None:
                    await handler(session, envelope, data)
                if tally.applied % BATCH == 0:
                    break
            else:
                return tally.applied, tally.skipped


async def rebuild(engine: AsyncEngine, nats_url: str) -> RebuildReport:
    return await replay.rebuild(
        engine, nats_url, tables=TABLES, consumers=consumers, replay=_replay
    )
