"""Request and response bodies of intake's API (Dutch descriptions: they reach users)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from ontour.contracts.intake import GespreksVorm, OrganisationCode
from pydantic import BaseModel, ConfigDict, Field


class VoorgesprekCreate(BaseModel):
    """Invoer voor een gehouden voorgesprek."""

    model_config = ConfigDict(extra="forbid")

    organisation_code: OrganisationCode = Field(
        description="CBS-code van de organisatie (GMxxxx of PVxx)."
    )
    held_on: date = Field(description="Datum waarop het voorgesprek is gehouden.")
    mode: GespreksVorm = Field(description="Vorm: fysiek, online of telefonisch.")


class VoorgesprekPublic(VoorgesprekCreate):
    """Een vastgelegd voorgesprek."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="Id van het voorgesprek.")
    recorded_at: datetime = Field(description="Moment van vastleggen.")
