"""Request and response bodies of a case's follow-up steps (vervolgstappen); the pages
validate their forms with the same model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ontour.web.api import PRINTABLE
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from aftercare.domain.steps import Actor, ForgoneReason, StepKind, StepStatus


class VervolgstapIn(BaseModel):
    """Wat er met een vervolgstap is gebeurd."""

    model_config = ConfigDict(extra="forbid")

    kind: StepKind = Field(description="Welke stap.")
    status: StepStatus = Field(description="Waar de stap nu staat.")
    reason: ForgoneReason | None = Field(
        default=None, description="Waarom ervan is afgezien (alleen bij status afgezien)."
    )
    registration_number: (
        Annotated[str, StringConstraints(max_length=60, pattern=PRINTABLE)] | None
    ) = Field(
        default=None,
        description="Registratienummer van de aangifte bij de politie (alleen bij een "
        "aangifte; versleuteld bewaard).",
    )


class Wijziging(BaseModel):
    """Eén wijziging van een vervolgstap."""

    status: StepStatus = Field(description="De status na de wijziging.")
    reason: ForgoneReason | None = Field(description="Waarom ervan is afgezien.")
    actor: Actor = Field(description="Wie de wijziging vastlegde.")
    at: datetime = Field(description="Wanneer.")


class Vervolgstap(BaseModel):
    """Een vervolgstap van een verzoek, met zijn geschiedenis."""

    kind: StepKind = Field(description="Welke stap.")
    status: StepStatus = Field(description="Waar de stap nu staat.")
    reason: ForgoneReason | None = Field(description="Waarom ervan is afgezien.")
    changed_at: datetime = Field(description="Wanneer de stap het laatst veranderde.")
    registration_number: str | None = Field(
        description="Registratienummer van de aangifte (alleen voor wie de persoonsgegevens "
        "van het verzoek mag zien; elke inzage wordt gelogd)."
    )
    history: list[Wijziging] = Field(description="Elke wijziging, oudste eerst.")
