"""Aftercare's tables: cases (personal fields encrypted with the case's own key), the
tombstones of erased cases, and peers.

A case's data key, wrapped with a master key (:mod:`ontour.crypto`), is kept outside the
database (:mod:`aftercare.keystore`). Erasing a case destroys that key (crypto-shredding: a
database backup made before cannot be read either) and deletes the case row with everything
that could point to the person, its statistics id included; what remains is a tombstone.
The figures live on in reporting, which got every step as an event.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from ontour.db import text_list_field, timestamp_field
from ontour.messaging.inbox import ProcessedEvent
from ontour.messaging.outbox import OutboxMessage
from sqlalchemy import Column, DateTime, ForeignKey, LargeBinary, String, Uuid
from sqlmodel import Field, SQLModel

metadata = SQLModel.metadata
__all__ = [
    "CaseRow",
    "ErasedCaseRow",
    "OutboxMessage",
    "PeerRow",
    "ProcessedEvent",
    "StatementRow",
    "metadata",
]


class CaseRow(SQLModel, table=True):
    __tablename__ = "aftercare_case"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    reference: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    # Only the hash of the status link's secret is kept; withdrawing or erasing voids it.
    status_token_hash: str | None = Field(default=None, sa_column=Column(String(64), unique=True))
    # The pseudonymous case_id of the events; unique (the outbox trigger of migration 0004
    # looks events up by it).
    statistics_id: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)
    status: str = Field(index=True)
    role: str
    incident_categories: list[str] = text_list_field()
    organisation_code: str | None = None
    province_code: str | None = None
    happened_on: date | None = None
    still_ongoing: bool | None = None
    reported: list[str] = text_list_field()
    gender_wish: str
    wants_same_background: bool = False
    contact_modes: list[str] = text_list_field()
    language: str = "nl"
    consent_handling: bool
    consent_share_with_peer: bool = False
    consent_statistics: bool = False
    entered_by: str | None = None
    # The case's data key is not here but in a key-value bucket (aftercare.keystore).
    name_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    email_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    phone_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    story_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    notes_enc: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    peer_id: str | None = Field(default=None, index=True)
    proposed_peer_id: str | None = None
    declined_by: list[str] = text_list_field()
    requested_at: datetime = timestamp_field(nullable=False)
    matched_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    contacted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    contact_mode: str | None = None
    closed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    outcome: str | None = None
    referrals: list[str] = text_list_field()
    override_reason: str | None = None
    version: int = 1


class ErasedCaseRow(SQLModel, table=True):
    """What is left of an erased case: that it existed and when and why it was erased.

    No categories, dates, organisation or statistics id: nothing that could lead back to the
    person, nor to the case's events in reporting.
    """

    __tablename__ = "aftercare_erased_case"

    id: uuid.UUID = Field(primary_key=True)
    reference: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    erased_at: datetime = timestamp_field(nullable=False)
    reason: str


class StatementRow(SQLModel, table=True):
    """A case's statement draft (verklaring), one sealed document under the case's key;
    deleting the case deletes it (the foreign key cascades)."""

    __tablename__ = "aftercare_statement"

    case_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid, ForeignKey("aftercare_case.id", ondelete="CASCADE"), primary_key=True
        )
    )
    content_enc: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The peer the requester shares this draft with (None: not shared); a new peer does not
    # inherit it.
    shared_with_peer_id: str | None = None
    updated_at: datetime = timestamp_field(nullable=False)
    version: int = 1


class PeerRow(SQLModel, table=True):
    """A peer's profile for matching (the person's name only; no contact details here)."""

    __tablename__ = "peer"

    id: str = Field(primary_key=True, max_length=100)
    name: str
    background: str
    gender: str
    capacity: int = 3
    available: bool = True
    organisation_codes: list[str] = text_list_field()
    conflict_codes: list[str] = text_list_field()
    regions: list[str] = text_list_field()
    expertise: list[str] = text_list_field()
    languages: list[str] = text_list_field()
    last_assigned_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )
    version: int = 1
