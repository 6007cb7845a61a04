"""Intake's tables."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from ontour.contracts.intake import GespreksVorm
from ontour.messaging.inbox import ProcessedEvent
from ontour.messaging.outbox import OutboxMessage
from sqlalchemy import Column, DateTime, ForeignKey, LargeBinary, String
from sqlmodel import Field, SQLModel

from intake.domain.register import OrganisationKind
from intake.domain.tour_status import TourStatus

metadata = SQLModel.metadata
__all__ = [
    "ContactRow",
    "OrganisationRow",
    "OutboxMessage",
    "ProcessedEvent",
    "Voorgesprek",
    "metadata",
]


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
    # Optimistic concurrency: every change bumps it; a stale edit is refused.
    version: int = 1


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
    created_at: datetime = Field(
        default_factory=lambda: datetime.now(UTC),
        sa_column=Column(DateTime(timezone=True), nullable=False),
    )
    version: int = 1
