"""Idempotent consumers: the inbox (tracking) table.

The row ``(consumer, event_id)`` is inserted in the same transaction as the handler's
effects, so a redelivered event finds its row and has no second effect.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Column, DateTime, func
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from ontour.db import execute_plain


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "inbox"

    consumer: str = Field(primary_key=True, description="Durable consumer name.")
    event_id: uuid.UUID = Field(primary_key=True, description="CloudEvents id.")
    processed_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


# One statement for the events of a fetch, prepared once per connection.
_CLAIM = (
    "INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::uuid[]) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)


async def claim(session: AsyncSession, consumer: str, event_ids: Sequence[uuid.UUID]) -> list[bool]:
    """Record the events as processed, in one statement: per event (in order) False when it
    already was (a duplicate, also of an earlier one in ``event_ids``)."""
    # In the session's transaction, straight to the driver.
    new = {row[0] for row in await execute_plain(session, _CLAIM, consumer, list(event_ids))}
    first_time = []
    for event_id in event_ids:
        first_time.append(event_id in new)
        new.discard(event_id)
    return first_time
