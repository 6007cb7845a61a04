"""Idempotent consumers: the inbox (tracking) table.

The row ``(consumer, event_id)`` is inserted in the same transaction as the handler's
effects, so a redelivered event finds its row and has no second effect.
"""

from __future__ import annotations

import uuid
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


_CLAIM = "INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1"


async def claim(session: AsyncSession, consumer: str, event_id: uuid.UUID) -> bool:
    """Record the event as processed; False when it already was (a duplicate)."""
    # In the session's transaction, straight to the driver (once per event).
    return bool(await execute_plain(session, _CLAIM, consumer, event_id))
