"""Scheduling's tables: the organisations it plans for, teamleden, requests, sessions, runs."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from ontour.db import text_list_field, timestamp_field
from ontour.messaging.inbox import ProcessedEvent
from ontour.messaging.outbox import OutboxMessage
from sqlalchemy import Column, Date, DateTime, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata
__all__ = [
    "CalendarToken",
    "OrganisationRow",
    "OutboxMessage",
    "PlannerRun",
    "ProcessedEvent",
    "SessionRequestRow",
    "SessionRow",
    "TeamlidRow",
    "metadata",
]


def _moment() -> Any:
    """A moment (timestamptz) that stays empty until an event sets it."""
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class OrganisationRow(SQLModel, table=True):
    """A gemeente or provincie as intake announced it (name and a point, for travel).

    Intake's organisation events carry no revision: their time orders them. The registration
    sets the first columns, a change ``valid_until``; each part keeps the newest event that set
    it. A change arriving before the registration leaves a tombstone (no name yet) that the
    reads skip until the registration completes it.
    """

    __tablename__ = "tour_organisation"  # intake has its own "organisation" table

    cbs_code: str = Field(primary_key=True, max_length=6)
    name: str | None = None
    province_code: str | None = Field(default=None, max_length=4, index=True)
    lat: float | None = None
    lon: float | None = None
    registered_at: datetime | None = _moment()
    valid_until: date | None = None
    changed_at: datetime | None = _moment()


class TeamlidRow(SQLModel, table=True):
    """A teamlid who holds sessions; ``id`` is their sign-in subject."""

    __tablename__ = "teamlid"

    id: str = Field(primary_key=True, max_length=100)
    name: str
    background: str
    gender: str | None = None
    home_lat: float
    home_lon: float
    max_per_week: int = 2
    max_per_month: int = 6
    languages: list[str] = text_list_field()
    excluded_organisations: list[str] = text_list_field()
    unavailable_dates: list[date] = Field(
        default_factory=list, sa_column=Column(ARRAY(Date), nullable=False)
    )
    preferred_weekdays: list[str] = text_list_field()
    active: bool = True
    version: int = 1


class SessionRequestRow(SQLModel, table=True):
    """A session request from intake; open until a session is held.

    ``revision`` is the highest revision seen (it decides ``withdrawn``), ``data_revision``
    that of the submission the other columns come from. A withdrawal arriving before its
    submission leaves a tombstone (withdrawn, no data yet) that the reads skip until a
    submission fills it in; a lower-revision submission fills in data, never un-withdraws.
    """

    __tablename__ = "session_request"

    id: uuid.UUID = Field(primary_key=True)
    voorgesprek_id: uuid.UUID | None = None
    organisation_code: str = Field(max_length=6, index=True)
    revision: int
    data_revision: int | None = None
    requested_on: date | None = None
    # When intake first announced it: the time of the earliest of its events.
    received_at: datetime = timestamp_field(nullable=False)
    session_format: str | None = None
    preferred_periods: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False)
    )
    preferred_weekdays: list[str] = text_list_field()
    avoid_weekdays: list[str] = text_list_field()
    expected_participants: int | None = None
    attention_online_intimidation_women: bool = False
    college_takes_part: bool = False
    withdrawn: bool = False


class SessionRow(SQLModel, table=True):
    """A session: voorgesteld → bevestigd → gehouden (or verplaatst / geannuleerd)."""

    __tablename__ = "session"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    request_id: uuid.UUID = Field(index=True)
    organisation_code: str = Field(max_length=6, index=True)
    on: date = Field(index=True)
    starts_at: time
    ends_at: time
    location: str | None = None
    session_format: str | None = None
    members: list[str] = text_list_field()
    status: str = Field(index=True)
    explanation: list[str] = text_list_field()
    participants: int | None = None
    evaluation_score: int | None = None
    evaluation_remarks: str | None = None
    follow_up_wishes: list[str] = text_list_field()
    # iCalendar SEQUENCE: raised when date, time, location or status change.
    sequence: int = 0
    created_at: datetime = timestamp_field(nullable=False)
    updated_at: datetime = timestamp_field(nullable=False)
    version: int = 1


class PlannerRun(SQLModel, table=True):
    """One run of the planner: its progress while it runs, its plan when done."""

    __tablename__ = "planner_run"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    status: str = Field(sa_column=Column(String, nullable=False, index=True))
    started_by: str
    started_at: datetime = timestamp_field(nullable=False)
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    time_limit_seconds: float
    progress: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    adopted: bool = False


class CalendarToken(SQLModel, table=True):
    """The secret of a teamlid's calendar feed, stored as a hash; revoking deletes it."""

    __tablename__ = "calendar_token"

    token_hash: str = Field(primary_key=True, max_length=64)
    teamlid_id: str = Field(index=True, max_length=100)
    created_at: datetime = timestamp_field(nullable=False)
