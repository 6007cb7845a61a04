"""Reporting's read models, built only from events (idempotent: highest revision wins).

Nothing here identifies a person: organisations, voorgesprekken and sessions by id and code,
aftercare cases by their statistics id with categories only under statistics consent.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from ontour.db import text_list_field
from ontour.messaging.inbox import ProcessedEvent
from ontour.messaging.outbox import OutboxMessage
from sqlalchemy import Column, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata
__all__ = [
    "OutboxMessage",
    "ProcessedEvent",
    "RmCase",
    "RmOrganisation",
    "RmSession",
    "RmState",
    "RmVoorgesprek",
    "metadata",
]


def _moment() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class RmOrganisation(SQLModel, table=True):
    __tablename__ = "rm_organisation"

    code: str = Field(primary_key=True, max_length=6)
    name: str
    kind: str
    province_code: str
    valid_until: date | None = None


class RmVoorgesprek(SQLModel, table=True):
    __tablename__ = "rm_voorgesprek"

    id: uuid.UUID = Field(primary_key=True)
    organisation_code: str = Field(index=True)
    status: str
    held_on: date
    revision: int
    themes: list[str] = text_list_field()
    participants: dict[str, int] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False)
    )
    incident_count: int | None = None
    session_wish: str | None = None


class RmSession(SQLModel, table=True):
    __tablename__ = "rm_session"

    id: uuid.UUID = Field(primary_key=True)
    organisation_code: str = Field(index=True)
    status: str
    on: date
    revision: int
    planned_at: datetime | None = _moment()
    participants: int | None = None
    evaluation_score: int | None = None
    team_size: int = 0


class RmCase(SQLModel, table=True):
    __tablename__ = "rm_case"

    id: uuid.UUID = Field(primary_key=True)  # the statistics id, never a case's own key
    consent: bool
    role: str | None = None
    incidents: list[str] = text_list_field()
    wants_woman: bool | None = None
    requested_at: datetime | None = _moment()
    matched_at: datetime | None = _moment()
    contacted_at: datetime | None = _moment()
    within_service_level: bool | None = None
    closed_at: datetime | None = _moment()
    outcome: str | None = None
    referrals: list[str] = text_list_field()
    withdrawn_at: datetime | None = _moment()
    erased_at: datetime | None = _moment()


class RmState(SQLModel, table=True):
    """Until when the read models are up to date (the newest event processed)."""

    __tablename__ = "rm_state"

    id: int = Field(default=1, primary_key=True)
    last_event_at: datetime | None = _moment()
