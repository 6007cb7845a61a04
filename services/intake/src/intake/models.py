"""Intake's tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Any

from ontour.contracts.intake import (
    GespreksVorm,
    SessieVorm,
    SessieWens,
    TourStatus,
    VoorgesprekStatus,
)
from ontour.db import text_list_field, timestamp_field
from ontour.messaging.inbox import ProcessedEvent
from ontour.messaging.outbox import OutboxMessage
from sqlalchemy import Column, DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from intake.domain.register import OrganisationKind

metadata = SQLModel.metadata
__all__ = [
    "ContactRow",
    "FollowUp",
    "FollowedSession",
    "ImportRun",
    "OrganisationNote",
    "OrganisationRow",
    "OutboxMessage",
    "ProcessedEvent",
    "ProtocolAnswer",
    "TimelineEntry",
    "Voorgesprek",
    "VoorgesprekChange",
    "metadata",
]


class Voorgesprek(SQLModel, table=True):
    """A voorgesprek: its content as columns (see ``VoorgesprekContent``), the confidential
    note envelope-encrypted with the row's own data key."""

    __tablename__ = "voorgesprek"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_code: str = Field(
        sa_column=Column(String(6), ForeignKey("organisation.cbs_code"), nullable=False, index=True)
    )
    status: VoorgesprekStatus = Field(sa_type=String, index=True)
    held_on: date = Field(index=True)
    start_time: time | None = None
    mode: GespreksVorm = Field(sa_type=String)
    teamleden: list[str] = text_list_field()
    participants: dict[str, int] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False)
    )
    themes: list[str] = text_list_field()
    incident_count: int | None = None
    incident_categories: list[str] = text_list_field()
    session_wish: SessieWens | None = Field(default=None, sa_type=String)
    session_format: SessieVorm | None = Field(default=None, sa_type=String)
    preferred_periods: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False)
    )
    preferred_weekdays: list[str] = text_list_field()
    avoid_weekdays: list[str] = text_list_field()
    expected_participants: int | None = None
    location: str | None = None
    attention_online_intimidation_women: bool = False
    college_takes_part: bool = False
    wrapped_key: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    confidential_note_enc: bytes | None = Field(
        default=None, sa_column=Column(LargeBinary, nullable=True)
    )
    # Hash of a spreadsheet row's normalised content: importing a file twice adds nothing.
    import_key: str | None = Field(default=None, sa_column=Column(String(64), unique=True))
    created_by: str
    recorded_at: datetime = timestamp_field(nullable=False)
    updated_at: datetime = timestamp_field(nullable=False)
    # Optimistic concurrency: every change bumps it; a stale edit is refused.
    version: int = 1


class VoorgesprekChange(SQLModel, table=True):
    """One edit of a voorgesprek: who changed which fields from what to what, and when.

    Confidential fields appear only as "(vertrouwelijk)": their values never leave the row.
    """

    __tablename__ = "voorgesprek_change"

    id: int | None = Field(default=None, primary_key=True)
    voorgesprek_id: uuid.UUID = Field(foreign_key="voorgesprek.id", index=True)
    version: int
    changed_by: str
    changed_at: datetime = timestamp_field(nullable=False)
    action: str
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))


class FollowUp(SQLModel, table=True):
    """A follow-up action (vervolgactie) with an owner and a due date."""

    __tablename__ = "follow_up"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_code: str = Field(
        sa_column=Column(String(6), ForeignKey("organisation.cbs_code"), nullable=False, index=True)
    )
    voorgesprek_id: uuid.UUID | None = Field(default=None, foreign_key="voorgesprek.id", index=True)
    description: str
    owner: str = Field(index=True)
    due_on: date | None = None
    done_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    created_by: str
    created_at: datetime = timestamp_field(nullable=False)
    version: int = 1


class OrganisationNote(SQLModel, table=True):
    """A note on an organisation (working notes; the page asks for no personal data)."""

    __tablename__ = "organisation_note"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_code: str = Field(
        sa_column=Column(String(6), ForeignKey("organisation.cbs_code"), nullable=False, index=True)
    )
    text: str
    created_by: str
    created_at: datetime = timestamp_field(nullable=False)


class TimelineEntry(SQLModel, table=True):
    """Something that happened to an organisation, for its timeline (no personal data)."""

    __tablename__ = "timeline_entry"

    id: int | None = Field(default=None, primary_key=True)
    organisation_code: str = Field(
        sa_column=Column(String(6), ForeignKey("organisation.cbs_code"), nullable=False, index=True)
    )
    at: datetime = timestamp_field(nullable=False)
    kind: str
    summary: str
    actor: str | None = None
    object_id: str | None = None
    # For an entry that records another service's event about ``object_id``: that event's
    # revision, so the event has one entry however often and in whatever order it arrives.
    revision: int | None = None


class ImportRun(SQLModel, table=True):
    """One bulk import of voorgesprekken and its row-by-row report."""

    __tablename__ = "import_run"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    filename: str
    created_by: str
    created_at: datetime = timestamp_field(nullable=False)
    counts: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    report: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False)
    )
    ignored_columns: list[str] = text_list_field()


class OrganisationRow(SQLModel, table=True):
    """A gemeente or provincie; ended ones stay (``valid_until``) so history is kept."""

    __tablename__ = "organisation"

    cbs_code: str = Field(primary_key=True, max_length=6)
    name: str
    kind: OrganisationKind = Field(sa_type=String)
    province_code: str = Field(max_length=4, index=True)
    province_name: str
    lat: float | None = None
    lon: float | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    successor_code: str | None = Field(default=None, max_length=6)
    tour_status: TourStatus = Field(default=TourStatus.NIET_BENADERD, sa_type=String)
    # The organisation asked not to be named in the published tour figures (a coordinator
    # sets it; every organisatie.gewijzigd carries it).
    not_published: bool = False
    # Its arrangements against aggression as they stand now (intake.domain.protocol: by
    # field name, answer and since); every change is in protocol_answer, and every
    # organisatie.gewijzigd carries these.
    protocol: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    # Optimistic concurrency: every change bumps it; a stale edit is refused.
    version: int = 1


class ProtocolAnswer(SQLModel, table=True):
    """One recorded answer about an organisation's arrangements against aggression: the
    history (nothing is ever changed or removed; the newest per question is current)."""

    __tablename__ = "protocol_answer"

    id: int | None = Field(default=None, primary_key=True)
    organisation_code: str = Field(
        sa_column=Column(String(6), ForeignKey("organisation.cbs_code"), nullable=False, index=True)
    )
    topic: str
    answer: str
    since: date
    voorgesprek_id: uuid.UUID | None = Field(default=None, foreign_key="voorgesprek.id")
    recorded_by: str
    recorded_at: datetime = timestamp_field(nullable=False)


class FollowedSession(SQLModel, table=True):
    """A session in scheduling as its events told intake: what decides the tour status.

    ``status`` and ``revision`` come from the session's highest revision seen; ``planned``
    stays once a planning was seen. Events of a session may arrive in any order (a
    cancellation before its planning leaves this row with just the cancellation, and its
    moment in ``cancelled_at`` for the timeline entry it gets once the planning is known).
    """

    __tablename__ = "followed_session"

    session_id: uuid.UUID = Field(primary_key=True)
    organisation_code: str = Field(max_length=6, index=True)
    status: str
    revision: int
    planned: bool = False
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class ContactRow(SQLModel, table=True):
    """A contact person at an organisation (griffier and others).

    Personal data: every field is encrypted with the row's own data key (envelope
    encryption, :mod:`ontour.crypto`); ``wrapped_key`` is that key wrapped with a master key.
    Deleting the row destroys the key (crypto-shredding). Only ids ever leave the service
    in logs, events and the audit trail.
    """

    __tablename__ = "contact"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_code: str = Field(
        sa_column=Column(String(6), ForeignKey("organisation.cbs_code"), nullable=False, index=True)
    )
    wrapped_key: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    name_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    function_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    email_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    phone_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = timestamp_field(nullable=False)
    version: int = 1
