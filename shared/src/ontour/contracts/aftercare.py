"""Events published by the aftercare service: a nazorg case's steps, never a person.

Each event names the case by ``case_id``: a random id made for statistics only, unrelated to
the case's reference, its status link or its database key, so events cannot be traced back
to a request. Categories (role, incidents, the wish for a woman as peer) are only filled in
when the requester consented to anonymous statistics; without that consent an event carries
just the step and its time, which operations need to see that the pipeline works, and
``statistics_consent`` is false so that reporting leaves it out of every figure.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import ConfigDict, Field

from ontour.events import EventData, contract

CASE_EXAMPLE_ID = "3d6f0a52-9c1b-4f7e-8a2d-5b4c3e2f1a09"


class RequesterRole(StrEnum):
    """The office (or function) of the person asking for aftercare."""

    RAADSLID = "raadslid"
    WETHOUDER = "wethouder"
    BURGEMEESTER = "burgemeester"
    STATENLID = "statenlid"
    GEDEPUTEERDE = "gedeputeerde"
    COMMISSARIS_VAN_DE_KONING = "commissaris van de Koning"
    GRIFFIER_AMBTENAAR = "griffier/ambtenaar"
    ANDERS = "anders"


class IncidentCategory(StrEnum):
    """What happened; a request can name several."""

    ONLINE_INTIMIDATIE = "online intimidatie"
    BEDREIGING = "bedreiging"
    FYSIEK_GEWELD = "fysiek geweld"
    INTIMIDATIE_THUIS = "intimidatie thuis of bij de woning"
    DOXING = "doxing"
    GERICHT_TEGEN_FAMILIE = "gericht tegen familie"
    DISCRIMINATIE_OF_SEKSISME = "discriminatie of seksisme"
    ANDERS = "anders"


class CaseStatus(StrEnum):
    """Where an aftercare request is in its life; see :mod:`aftercare.domain.workflow`."""

    AANGEVRAAGD = "aangevraagd"
    GEMATCHT = "gematcht"
    CONTACT_GELEGD = "contact gelegd"
    LOPEND = "lopend"
    AFGESLOTEN = "afgesloten"
    INGETROKKEN = "ingetrokken"


class CaseOutcome(StrEnum):
    """How a closed case ended."""

    AFGEROND = "nazorg afgerond"
    DOORVERWEZEN = "doorverwezen"
    GEEN_BEHOEFTE_MEER = "geen behoefte meer"
    GEEN_CONTACT = "geen contact tot stand gekomen"


class Referral(StrEnum):
    """Where the peer referred the requester to (zero or more per case)."""

    POLITIE_AANGIFTE = "politie/aangifte"
    BEVEILIGINGSADVIES = (
        "beveiligingsadvies (Regeling beveiligingsmaatregelen decentrale bestuurders)"
    )
    PSYCHOLOGISCHE_HULP = "psychologische hulp"
    JURIDISCH_ADVIES = "juridisch advies"
    WERKGEVER_GRIFFIE = "werkgever/griffie"


class CaseEvent(EventData):
    """What every aftercare event carries (the base of the contracts below)."""

    case_id: uuid.UUID = Field(description="Pseudonymous id of the case, for statistics only.")
    at: datetime = Field(description="When the step happened (UTC).")
    statistics_consent: bool = Field(
        description="Whether the requester consented to anonymous statistics; when false, "
        "the categories below are empty and reporting leaves the case out."
    )
    role_category: RequesterRole | None = Field(
        default=None, description="Office of the requester (only with statistics consent)."
    )
    incident_categories: list[IncidentCategory] = Field(
        default_factory=list, description="What happened (only with statistics consent)."
    )
    wants_woman: bool | None = Field(
        default=None, description="Asked for a woman as peer (only with statistics consent)."
    )

    def subject_id(self) -> str:
        return str(self.case_id)


_EXAMPLE: dict[str, Any] = {
    "case_id": CASE_EXAMPLE_ID,
    "at": "2025-03-04T10:15:00Z",
    "statistics_consent": True,
    "role_category": "raadslid",
    "incident_categories": ["online intimidatie"],
    "wants_woman": True,
}


@contract(service="aftercare", aggregate="nazorg", name="aangevraagd", version=1)
class NazorgAangevraagd(CaseEvent):
    """An office holder asked for peer aftercare."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_EXAMPLE, "already_reported": False}]}
    )

    already_reported: bool | None = Field(
        default=None,
        description="Whether the requester had already reported it (a melding or aangifte) "
        "before asking for help (with consent; absent from events of older releases).",
    )


@contract(service="aftercare", aggregate="nazorg", name="gematcht", version=1)
class NazorgGematcht(CaseEvent):
    """A peer accepted the case."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})


@contract(service="aftercare", aggregate="nazorg", name="contact-gelegd", version=1)
class NazorgContactGelegd(CaseEvent):
    """The peer and the requester had their first contact."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_EXAMPLE, "within_service_level": True}]}
    )

    within_service_level: bool | None = Field(
        default=None, description="First contact within the service level (with consent)."
    )


@contract(service="aftercare", aggregate="nazorg", name="afgesloten", version=1)
class NazorgAfgesloten(CaseEvent):
    """The case was closed with an outcome."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {**_EXAMPLE, "outcome": "doorverwezen", "referrals": ["psychologische hulp"]}
            ]
        }
    )

    outcome: CaseOutcome | None = Field(default=None, description="Outcome (with consent).")
    referrals: list[Referral] = Field(
        default_factory=list, description="Referrals made (with consent)."
    )


@contract(service="aftercare", aggregate="nazorg", name="ingetrokken", version=1)
class NazorgIngetrokken(CaseEvent):
    """The requester withdrew the request."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})


@contract(service="aftercare", aggregate="nazorg", name="gewist", version=1)
class NazorgGewist(CaseEvent):
    """The case's personal data was destroyed (on request or at the end of retention)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})


class StepKind(StrEnum):
    """What a requester can do after the incident, tracked as a step of the case: the
    referrals (:class:`Referral`) and what an office holder does themself."""

    MELDING = "melding"  # reported to the griffie or the employer
    AANGIFTE = "aangifte"  # filed with the police
    # Under the Regeling beveiligingsmaatregelen decentrale bestuurders.
    BEVEILIGINGSADVIES = "beveiligingsadvies"
    WONINGSCAN = "woningscan"
    PSYCHOLOGISCHE_HULP = "psychologische hulp"
    JURIDISCH_ADVIES = "juridisch advies"


class StepStatus(StrEnum):
    """Where a step is; see :mod:`aftercare.domain.steps`."""

    VOORGESTELD = "voorgesteld"
    AANGEVRAAGD = "aangevraagd"
    AFGEROND = "afgerond"
    AFGEZIEN = "afgezien"


class ForgoneReason(StrEnum):
    """Why a requester let a step go (only with status ``afgezien``)."""

    GEEN_VERTROUWEN = "geen vertrouwen dat het helpt"
    TE_VEEL_GEDOE = "te veel gedoe"
    ANGST_VOOR_GEVOLGEN = "angst voor gevolgen"
    ANDERS = "anders"


@contract(service="aftercare", aggregate="nazorg", name="stap-gewijzigd", version=1)
class NazorgStapGewijzigd(EventData):
    """A step of a case (a melding, an aangifte, a referral...) was recorded or changed.

    Published only when the requester consented to anonymous statistics, and then with
    nothing but the step: no registration number, no text, no person.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "case_id": CASE_EXAMPLE_ID,
                    "at": "2025-03-11T14:00:00Z",
                    "kind": "aangifte",
                    "status": "afgezien",
                    "reason": "angst voor gevolgen",
                    "revision": 2,
                }
            ]
        }
    )

    case_id: uuid.UUID = Field(description="Pseudonymous id of the case, for statistics only.")
    at: datetime = Field(description="When the step changed (UTC).")
    kind: StepKind = Field(description="Which step; a case has at most one of each kind.")
    status: StepStatus = Field(description="The step's status after the change.")
    reason: ForgoneReason | None = Field(
        default=None, description="Why the step was let go (only with status afgezien)."
    )
    revision: int = Field(
        ge=1, description="The step's revision: a higher one is a later state of the step."
    )

    def subject_id(self) -> str:
        return str(self.case_id)
