"""Intake's tables. Walking-skeleton model; the intake issue replaces it with the full one."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from ontour.contracts.intake import GespreksVorm
from ontour.messaging.inbox import ProcessedEvent
from ontour.messaging.outbox import OutboxMessage
from sqlalchemy import Column, DateTime, String
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata
__all__ = ["OutboxMessage", "ProcessedEvent", "Voorgesprek", "metadata"]


class Voorgesprek(SQLModel, table=True):
    __tablename__ = "voorgesprek"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_code: str = Field(max_length=6)
    held_on: date
    mode: GespreksVorm = Field(sa_type=String)
    recorded_at: datetime = Field(
        default_factory=lambda: datetime.now(UTC),
        sa_column=Column(DateTime(timezone=True), nullable=False),
    )
