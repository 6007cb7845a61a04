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

from reporting.domain.projection import Table

metadata = SQLModel.metadata
__all__ = [
    "READ_MODELS",
    "OutboxMessage",
    "ProcessedEvent",
    "RmCase",
    "RmCaseStep",
    "RmOrganisation",
    "RmProtocolAnswer",
    "RmRelease",
    "RmSession",
    "RmState",
    "RmVoorgesprek",
    "RmYear",
    "metadata",
]


def _moment() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


def _revisions() -> Any:
    """Per column, the revision of its value (reporting.domain.projection)."""
    return Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))


# The columns without a default are NULL in a tombstone only (reporting.repository.all_rows).
class RmOrganisation(SQLModel, table=True):
    __tablename__ = "rm_organisation"

    code: str = Field(primary_key=True, max_length=6)
    name: str
    kind: str
    province_code: str
    valid_until: date | None = None
    not_published: bool = False
    revisions: dict[str, int] = _revisions()


class RmProtocolAnswer(SQLModel, table=True):
    """An organisation's answer about one of its arrangements against aggression, from a
    day on (one row per question and day; the newest day is the current answer)."""

    __tablename__ = "rm_protocol_answer"

    id: str = Field(primary_key=True)  # "<code> <question> <day>"
    organisation_code: str = Field(index=True)
    topic: str
    since: date
    answer: str
    revisions: dict[str, int] = _revisions()


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
    revisions: dict[str, int] = _revisions()


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
    revisions: dict[str, int] = _revisions()


class RmCase(SQLModel, table=True):
    """A consented aftercare request as statistics keep it: categories and days, no moments;
    after erasure its days are coarsened to months (what releases publish)."""

    __tablename__ = "rm_case"

    id: uuid.UUID = Field(primary_key=True)  # the statistics id, never a case's own key
    role: str | None = None
    incidents: list[str] = text_list_field()
    wants_woman: bool | None = None
    requested_on: date | None = None
    matched_on: date | None = None
    contacted_on: date | None = None
    within_service_level: bool | None = None
    ended_on: date | None = None
    withdrawn: bool = False
    outcome: str | None = None
    referrals: list[str] = text_list_field()
    days_to_match: int | None = None
    days_to_contact: int | None = None
    erased: bool = False
    already_reported: bool | None = None


class RmCaseStep(SQLModel, table=True):
    """A step of a consented aftercare request (a melding, an aangifte, a referral...): its
    status and why it was let go; no moments."""

    __tablename__ = "rm_case_step"

    id: str = Field(primary_key=True)  # reporting.domain.projection.step_key
    case_id: uuid.UUID = Field(index=True)  # the statistics id
    kind: str
    status: str
    reason: str | None = None
    revisions: dict[str, int] = _revisions()


class RmRelease(SQLModel, table=True):
    """A quarter's release: published (frozen content) or refused (with the reason)."""

    __tablename__ = "rm_release"

    id: str = Field(primary_key=True, max_length=7)  # "2026-K3"
    status: str  # "vrijgegeven" or "geweigerd"
    decided_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    decided_by: str
    reason: str | None = None
    sequences: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    content: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))


class RmYear(SQLModel, table=True):
    """A year whose four quarters are released, summed and protected with them (frozen)."""

    __tablename__ = "rm_year"

    year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    decided_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    content: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))


class RmState(SQLModel, table=True):
    """Until when the read models are up to date (the newest event processed)."""

    __tablename__ = "rm_state"

    id: int = Field(default=1, primary_key=True)
    last_event_at: datetime | None = _moment()


# The tables the projection writes, by the name it uses: the one map the live projection
# writes through and a rebuild recreates (with RmState), so a new read model is added here.
READ_MODELS: dict[Table, Any] = {
    Table(model.__tablename__): model
    for model in (RmOrganisation, RmVoorgesprek, RmSession, RmCase, RmCaseStep, RmProtocolAnswer)
}
