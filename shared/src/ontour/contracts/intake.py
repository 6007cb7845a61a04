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


class OrganisatieSoort(StrEnum):
    """What kind of organisation: a municipality or a province."""

    GEMEENTE = "gemeente"
    PROVINCIE = "provincie"


class OrganisatieVeld(StrEnum):
    """A field of an organisation in the register that a change can touch."""

    NAME = "name"
    PROVINCE_CODE = "province_code"
    PROVINCE_NAME = "province_name"
    LAT = "lat"
    LON = "lon"
    VALID_UNTIL = "valid_until"
    SUCCESSOR_CODE = "successor_code"


ProvinceCode = Annotated[str, StringConstraints(pattern=r"^PV\d{2}$")]


@contract(service="intake", aggregate="organisatie", name="geregistreerd", version=1)
class OrganisatieGeregistreerd(EventData):
    """A gemeente or provincie was added to the register of organisations."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "organisation_code": "GM0014",
                    "kind": "gemeente",
                    "province_code": "PV20",
                    "valid_from": None,
                }
            ]
        }
    )

    organisation_code: OrganisationCode = Field(
        description="CBS code of the organisation (GMxxxx or PVxx)."
    )
    kind: OrganisatieSoort = Field(description="gemeente or provincie.")
    province_code: ProvinceCode = Field(
        description="CBS code of the province it lies in (a provincie: its own code)."
    )
    valid_from: date | None = Field(
        description="First day it exists; null when it already existed when the register began."
    )

    def subject_id(self) -> str:
        return self.organisation_code


@contract(service="intake", aggregate="organisatie", name="gewijzigd", version=1)
class OrganisatieGewijzigd(EventData):
    """An organisation in the register changed: renamed, moved, or ended (e.g. merged)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "organisation_code": "GM0457",
                    "changed_fields": ["valid_until", "successor_code"],
                    "valid_until": "2027-01-01",
                    "successor_code": "GM0363",
                }
            ]
        }
    )

    organisation_code: OrganisationCode = Field(
        description="CBS code of the organisation (GMxxxx or PVxx)."
    )
    changed_fields: list[OrganisatieVeld] = Field(
        min_length=1, description="Names of the fields that changed (the values stay in intake)."
    )
    valid_until: date | None = Field(
        description="First day it no longer exists (half-open period); null while it exists."
    )
    successor_code: OrganisationCode | None = Field(
        description="CBS code of the organisation it went into when ended by a merger."
    )

    def subject_id(self) -> str:
        return self.organisation_code
