"""Events published by the intake service."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ontour.events import EventData, contract

ORGANISATION_CODE = r"^(GM\d{4}|PV\d{2})$"
OrganisationCode = Annotated[str, StringConstraints(pattern=ORGANISATION_CODE)]


class GespreksVorm(StrEnum):
    """How a voorgesprek was held."""

    FYSIEK = "fysiek"
    ONLINE = "online"
    TELEFONISCH = "telefonisch"


class VoorgesprekStatus(StrEnum):
    """Where a voorgesprek is in its lifecycle: gepland, then gehouden or geannuleerd."""

    GEPLAND = "gepland"
    GEHOUDEN = "gehouden"
    GEANNULEERD = "geannuleerd"


class Thema(StrEnum):
    """Themes discussed in a voorgesprek (the list in the intake issue)."""

    AGRESSIE_EN_INTIMIDATIE = "agressie en intimidatie"
    ONLINE_INTIMIDATIE = "online intimidatie"
    BEDREIGING_THUIS = "bedreiging thuis"
    MELDEN_EN_AANGIFTE = "melden en aangifte"
    NAZORG = "nazorg"
    VEILIGHEID_IN_RAAD_OF_STATEN = "veiligheid in raad of Staten"
    INTEGRITEIT = "integriteit"
    ONDERMIJNING = "ondermijning"
    ANDERS = "anders"


class SessieWens(StrEnum):
    """Whether the organisation wants a session after the voorgesprek."""

    JA = "ja"
    NEE = "nee"
    LATER = "later"


class SessieVorm(StrEnum):
    """The format of the session the organisation wishes."""

    PLENAIRE_RAAD = "plenaire raad"
    FRACTIEVOORZITTERS = "fractievoorzitters"
    INFORMATIEBIJEENKOMST = "informatiebijeenkomst"
    STATEN = "Staten"


class DeelnemerRol(StrEnum):
    """Roles of the organisation's participants, counted (never named) per voorgesprek."""

    GRIFFIER = "griffier"
    BURGEMEESTER = "burgemeester"
    WETHOUDERS = "wethouders"
    GEMEENTESECRETARIS = "gemeentesecretaris"
    FRACTIEVOORZITTERS = "fractievoorzitters"
    RAADSLEDEN = "raadsleden"
    STATENLEDEN = "statenleden"
    GEDEPUTEERDEN = "gedeputeerden"
    COMMISSARIS_VAN_DE_KONING = "commissaris van de Koning"
    OVERIG = "overig"


class IncidentCategorie(StrEnum):
    """Kinds of known incidents: a closed list, so no incident details end up in this field."""

    SCHELDEN_EN_BELEDIGEN = "schelden en beledigen"
    BEDREIGING = "bedreiging"
    INTIMIDATIE = "intimidatie"
    ONLINE_INTIMIDATIE = "online intimidatie"
    FYSIEK_GEWELD = "fysiek geweld"
    VERNIELING = "vernieling"
    ANDERS = "anders"


class Weekdag(StrEnum):
    """A day of the week (Monday first, as ISO weekday 1)."""

    MAANDAG = "maandag"
    DINSDAG = "dinsdag"
    WOENSDAG = "woensdag"
    DONDERDAG = "donderdag"
    VRIJDAG = "vrijdag"
    ZATERDAG = "zaterdag"
    ZONDAG = "zondag"


class TourStatus(StrEnum):
    """Where an organisation stands in the tour, in the order the tour usually goes."""

    NIET_BENADERD = "niet benaderd"
    VOORGESPREK_GEPLAND = "voorgesprek gepland"
    VOORGESPREK_GEHOUDEN = "voorgesprek gehouden"
    SESSIE_GEWENST = "sessie gewenst"
    SESSIE_GEPLAND = "sessie gepland"
    SESSIE_GEHOUDEN = "sessie gehouden"
    GEEN_INTERESSE = "geen interesse"


VOORGESPREK_EXAMPLE_ID = "6f1c3e0a-8d2b-4c1e-9f3a-2b7d5e8c1a40"


class Deelnemers(BaseModel):
    """How many participants of one role took part (counted, never named)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    role: DeelnemerRol = Field(description="Role of the participants.")
    count: int = Field(ge=1, description="Number of participants with this role.")


@contract(service="intake", aggregate="voorgesprek", name="gepland", version=1)
class VoorgesprekGepland(EventData):
    """A voorgesprek with an organisation was planned (or its plan changed)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "voorgesprek_id": VOORGESPREK_EXAMPLE_ID,
                    "organisation_code": "GM0014",
                    "planned_on": "2025-03-04",
                    "mode": "online",
                    "revision": 1,
                }
            ]
        }
    )

    voorgesprek_id: uuid.UUID = Field(description="Id of the voorgesprek in intake.")
    organisation_code: OrganisationCode = Field(
        description="CBS code of the organisation (GMxxxx or PVxx)."
    )
    planned_on: date = Field(description="Date for which the voorgesprek is planned.")
    mode: GespreksVorm = Field(description="How it will be held: fysiek, online or telefonisch.")
    revision: int = Field(
        ge=1, description="Version of the voorgesprek; a consumer keeps the highest it saw."
    )

    def subject_id(self) -> str:
        return str(self.voorgesprek_id)


@contract(service="intake", aggregate="voorgesprek", name="gehouden", version=1)
class VoorgesprekGehouden(EventData):
    """A voorgesprek with an organisation took place.

    Published again (with a higher ``revision``) when a held voorgesprek is corrected, so a
    consumer that keeps the latest revision per voorgesprek always has the current figures.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "voorgesprek_id": VOORGESPREK_EXAMPLE_ID,
                    "organisation_code": "GM0014",
                    "held_on": "2025-03-04",
                    "mode": "fysiek",
                    "revision": 2,
                    "teamleden_count": 2,
                    "participants": [
                        {"role": "griffier", "count": 1},
                        {"role": "fractievoorzitters", "count": 5},
                    ],
                    "themes": ["agressie en intimidatie", "online intimidatie"],
                    "incident_count": 2,
                    "incident_categories": ["bedreiging"],
                    "session_wish": "ja",
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
    revision: int = Field(
        default=1, ge=1, description="Version of the voorgesprek; a consumer keeps the highest."
    )
    teamleden_count: int = Field(
        default=0, ge=0, description="Number of teamleden who held it (never who they are)."
    )
    participants: list[Deelnemers] = Field(
        default_factory=list, description="Participants of the organisation, counted per role."
    )
    themes: list[Thema] = Field(default_factory=list, description="Themes discussed.")
    incident_count: int | None = Field(
        default=None, ge=0, description="Number of known incidents mentioned (no details)."
    )
    incident_categories: list[IncidentCategorie] = Field(
        default_factory=list, description="Kinds of the known incidents (no details)."
    )
    session_wish: SessieWens | None = Field(
        default=None, description="Whether the organisation wants a session; null if unknown."
    )

    def subject_id(self) -> str:
        return str(self.voorgesprek_id)


@contract(service="intake", aggregate="voorgesprek", name="geannuleerd", version=1)
class VoorgesprekGeannuleerd(EventData):
    """A planned voorgesprek was cancelled."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "voorgesprek_id": VOORGESPREK_EXAMPLE_ID,
                    "organisation_code": "GM0014",
                    "revision": 2,
                }
            ]
        }
    )

    voorgesprek_id: uuid.UUID = Field(description="Id of the voorgesprek in intake.")
    organisation_code: OrganisationCode = Field(
        description="CBS code of the organisation (GMxxxx or PVxx)."
    )
    revision: int = Field(ge=1, description="Version of the voorgesprek after the cancellation.")

    def subject_id(self) -> str:
        return str(self.voorgesprek_id)


class Periode(BaseModel):
    """A period of days, both ends included."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: date = Field(description="First day of the period.")
    end: date = Field(description="Last day of the period (included).")


@contract(service="intake", aggregate="sessieverzoek", name="ingediend", version=1)
class SessieverzoekIngediend(EventData):
    """A held voorgesprek asks for a session: the scheduling service plans from this.

    Published when a held voorgesprek first says "ja" to a session, and again (same
    ``request_id``, higher ``revision``) whenever the wish changes: a consumer upserts.
    """

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request_id": VOORGESPREK_EXAMPLE_ID,
                    "voorgesprek_id": VOORGESPREK_EXAMPLE_ID,
                    "organisation_code": "GM0014",
                    "revision": 1,
                    "requested_on": "2025-03-04",
                    "session_format": "plenaire raad",
                    "preferred_periods": [{"start": "2025-09-01", "end": "2025-11-30"}],
                    "preferred_weekdays": ["maandag", "dinsdag"],
                    "avoid_weekdays": ["donderdag"],
                    "expected_participants": 30,
                    "attention_online_intimidation_women": True,
                    "college_takes_part": False,
                }
            ]
        }
    )

    request_id: uuid.UUID = Field(
        description="Id of the session request (stable across revisions; the voorgesprek's id)."
    )
    voorgesprek_id: uuid.UUID = Field(description="Id of the voorgesprek that asked for it.")
    organisation_code: OrganisationCode = Field(
        description="CBS code of the organisation (GMxxxx or PVxx)."
    )
    revision: int = Field(ge=1, description="Version of the request; a consumer keeps the highest.")
    requested_on: date = Field(description="Date of the voorgesprek where the wish was made.")
    session_format: SessieVorm | None = Field(
        default=None, description="Wished format of the session; null if not yet known."
    )
    preferred_periods: list[Periode] = Field(
        default_factory=list, description="Wished periods; empty means any time in the tour."
    )
    preferred_weekdays: list[Weekdag] = Field(
        default_factory=list, description="Preferred weekday evenings; empty means any."
    )
    avoid_weekdays: list[Weekdag] = Field(
        default_factory=list, description="Council (or Staten) meeting evenings to avoid."
    )
    expected_participants: int | None = Field(
        default=None, ge=0, description="Expected number of participants."
    )
    attention_online_intimidation_women: bool = Field(
        default=False,
        description="The session should pay attention to online intimidation of women.",
    )
    college_takes_part: bool = Field(
        default=False, description="The college (burgemeester, wethouders) takes part."
    )

    def subject_id(self) -> str:
        return str(self.request_id)


@contract(service="intake", aggregate="sessieverzoek", name="ingetrokken", version=1)
class SessieverzoekIngetrokken(EventData):
    """A session request was withdrawn (the wish changed, or the voorgesprek was corrected)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "request_id": VOORGESPREK_EXAMPLE_ID,
                    "organisation_code": "GM0014",
                    "revision": 3,
                }
            ]
        }
    )

    request_id: uuid.UUID = Field(description="Id of the session request.")
    organisation_code: OrganisationCode = Field(
        description="CBS code of the organisation (GMxxxx or PVxx)."
    )
    revision: int = Field(ge=1, description="Version of the request after the withdrawal.")

    def subject_id(self) -> str:
        return str(self.request_id)


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
    TOUR_STATUS = "tour_status"
    NOT_PUBLISHED = "not_published"
    AGGRESSION_PROTOCOL = "aggression_protocol"
    OFFICIALS_REPORTING_POINT = "officials_reporting_point"
    POLICE_LIAISON = "police_liaison"
    DOMICILE_ARRANGEMENTS = "domicile_arrangements"


class ProtocolAntwoord(StrEnum):
    """What the organisation said of one of its arrangements against aggression."""

    JA = "ja"
    NEE = "nee"
    ONBEKEND = "onbekend"


class ProtocolStand(BaseModel):
    """One arrangement of an organisation against aggression: the answer and since when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    answer: ProtocolAntwoord = Field(description="ja, nee or onbekend.")
    since: date = Field(
        description="Day from which the answer holds (normally the day of the voorgesprek)."
    )


# The arrangements against aggression a coordinator records per organisation (a public
# body's facts, not personal data), in the order the pages show them.
PROTOCOL_FIELDS = (
    OrganisatieVeld.AGGRESSION_PROTOCOL,
    OrganisatieVeld.OFFICIALS_REPORTING_POINT,
    OrganisatieVeld.POLICE_LIAISON,
    OrganisatieVeld.DOMICILE_ARRANGEMENTS,
)


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
                    "organisation_name": "Groningen",
                    "lat": 53.22,
                    "lon": 6.57,
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
    organisation_name: str | None = Field(
        default=None,
        max_length=100,
        description="The official (CBS) name of the gemeente or provincie: public register data.",
    )
    lat: float | None = Field(
        default=None, ge=50.5, le=53.7, description="Latitude of a point inside it (WGS84)."
    )
    lon: float | None = Field(
        default=None, ge=3.2, le=7.3, description="Longitude of a point inside it (WGS84)."
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
                    "aggression_protocol": {"answer": "ja", "since": "2025-03-04"},
                    "officials_reporting_point": {"answer": "nee", "since": "2025-03-04"},
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
    tour_status: TourStatus | None = Field(
        default=None, description="Its tour status now, when the change was to the tour status."
    )
    not_published: bool = Field(
        default=False,
        description="Whether the organisation asked not to be named in published figures "
        "(a coordinator sets it; every change of an organisation carries its current value). "
        "Reporting then counts it in national totals only.",
    )
    aggression_protocol: ProtocolStand | None = Field(
        default=None,
        description="Whether it has an aggression protocol (agressieprotocol), and since when; "
        "null while never recorded. Every change of an organisation carries the current answer.",
    )
    officials_reporting_point: ProtocolStand | None = Field(
        default=None,
        description="Whether it has a reporting point for office holders (meldpunt voor "
        "ambtsdragers), and since when; null while never recorded.",
    )
    police_liaison: ProtocolStand | None = Field(
        default=None,
        description="Whether it has a fixed liaison at the police (vast contactpersoon bij de "
        "politie), and since when; null while never recorded.",
    )
    domicile_arrangements: ProtocolStand | None = Field(
        default=None,
        description="Whether it has arrangements on choosing a domicile address other than the "
        "home address (afspraken over domiciliekeuze), and since when; null while never "
        "recorded.",
    )

    def subject_id(self) -> str:
        return self.organisation_code
