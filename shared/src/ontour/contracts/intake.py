"""Events published by the intake service."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from ontour.events import EventData, contract

ORGANISATION_CODE = r"^(GM\d{4}|PV\d{2})$"
OrganisationCode = Annotated[str, StringConstraints(pattern=ORGANISATION_CODE)]


class GespreksVorm(StrEnum):
    """How a voorgesprek was held."""

    FYSIEK = "fysiek"
    ONLINE = "online"
    TELEFONISCH = "telefonisch"


@contract(service="intake", aggregate="voorgesprek", name="gehouden", version=1)
class VoorgesprekGehouden(EventData):
    """A voorgesprek with an organisation took place."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "voorgesprek_id": "6f1c3e0a-8d2b-4c1e-9f3a-2b7d5e8c1a40",
                    "organisation_code": "GM0014",
                    "held_on": "2025-03-04",
                    "mode": "fysiek",
                }
            ]
        }
    )

    voorgesprek_id: uuid.UUID = Field(description="Id of the voorgesprek in intake.")
    organisation_code: OrganisationCode = Field(
        description="CBS code of the organisation (GMxxxx or PVxx)."
    )
    held_on: date = Field(description="Date on which the voorgesprek was held.")
    mode: GespreksVorm = Field(description="How it was held: fysiek, online or telefonisch.")

    def subject_id(self) -> str:
        return str(self.voorgesprek_id)
