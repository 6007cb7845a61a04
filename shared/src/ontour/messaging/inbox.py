"""Idempotent consumers: the inbox (tracking) table.

The row ``(consumer, event_id)`` is inserted in the same transaction as the handler's
effects, so a redelivered event finds its row and has no second effect.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, func, text
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "inbox"

    consumer: str = Field(primary_key=True, description="Durable consumer name.")
    event_id: uuid.UUID = Field(primary_key=True, description="CloudEvents id.")
    processed_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    )


_CLAIM = text(
    "INSERT INTO inbox (consumer, event_id) VALUES (:consumer, :event_id) "
    "ON CONFLICT DO NOTHING RETURNING 1"
)


async def claim(session: AsyncSession, consumer: str, event_id: uuid.UUID) -> bool:
    """Record the event as processed; False when it already was (a duplicate)."""
    # On the session's connection (same transaction): a core statement needs no ORM
    # execution machinery.
    connection = await session.connection()
    result = await connection.execute(_CLAIM, {"consumer": consumer, "event_id": event_id})
    return result.first() is not None
