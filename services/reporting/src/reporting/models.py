"""Reporting's read models. Walking skeleton; the reporting issue adds the full set."""

from __future__ import annotations

import uuid
from datetime import date

from ontour.messaging.inbox import ProcessedEvent
from ontour.messaging.outbox import OutboxMessage
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata
__all__ = ["HeldVoorgesprek", "OutboxMessage", "ProcessedEvent", "metadata"]


class HeldVoorgesprek(SQLModel, table=True):
    """One row per voorgesprek held, from intake's events."""

    __tablename__ = "held_voorgesprek"

    voorgesprek_id: uuid.UUID = Field(primary_key=True)
    organisation_code: str = Field(max_length=6, index=True)
    held_on: date
