"""Request and response bodies of scheduling's API (Dutch descriptions: they reach users).

The pages validate their forms with the same models: this edge module sits beside ``api/``
so that the pages need not import the API.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from ontour.contracts.scheduling import VervolgWens
from ontour.contracts.types import LocalTime
from ontour.web.api import PRINTABLE
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from scheduling.domain.diagnosis import UnplannedReason
from scheduling.domain.model import Background
from scheduling.domain.summary import ChangeKind, WishKind

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
WEEKDAY = r"^(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)$"
CODE = r"^(GM\d{4}|PV\d{2})$"
# A list of dates says so on the list too: the NL API Design Rules linter wants `format: date`
# on every property named *_dates (an annotation only: JSON Schema applies it to strings).
DATE_LIST: dict[str, Any] = {"format": "date"}
OrganisationCode = Annotated[str, StringConstraints(pattern=CODE)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
WeekdayName = Annotated[str, StringConstraints(pattern=WEEKDAY)]


class TeamlidIn(BaseModel):
    """Een teamlid dat sessies houdt."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(
        min_length=1, max_length=100, pattern=PRINTABLE, description="Aanmeld-id (subject)."
    )
    name: str = Field(min_length=1, max_length=100, pattern=PRINTABLE, description="Naam.")
    background: Background = Field(description="Achtergrond: oud-burgemeester, ...")
    gender: str | None = Field(
        default=None, max_length=40, pattern=PRINTABLE, description="Gender (zelf omschreven)."
    )
    home_lat: float = Field(ge=50.5, le=53.7, description="Woonplaats: breedtegraad.")
    home_lon: float = Field(ge=3.2, le=7.3, description="Woonplaats: lengtegraad.")
    max_per_week: int = Field(default=2, ge=0, le=7, description="Hoogstens sessies per week.")
    max_per_month: int = Field(default=6, ge=0, le=31, description="Hoogstens per maand.")
    languages: list[LanguageCode] = Field(
        default_factory=lambda: ["nl"], max_length=10, description="Talen (ISO 639-1)."
    )
    excluded_organisations: list[OrganisationCode] = Field(
        default_factory=list, max_length=400, description="CBS-codes met een belangenconflict."
    )
    preferred_weekdays: list[WeekdayName] = Field(
        default_factory=list, max_length=7, description="Voorkeursavonden."
    )
    active: bool = Field(default=True, description="Doet mee in de planning.")


class TeamlidPublic(TeamlidIn):
    """Het volledige profiel van een teamlid: alleen voor het teamlid zelf en coördinatoren."""

    model_config = ConfigDict(from_attributes=True)

    unavailable_dates: list[date] = Field(
        description="Data waarop het teamlid niet kan.", json_schema_extra=DATE_LIST
    )
    version: int = Field(description="Versie (If-Match).")


class TeamlidKort(BaseModel):
    """Een collega zoals andere teamleden die zien: naam, achtergrond en talen.

    Woonplaats, gender, beschikbaarheid en uitgesloten organisaties ziet alleen het teamlid
    zelf en een coördinator (zie TeamlidPublic).
    """

    # Forbidding extras keeps the two views apart when a response may hold either.
    model_config = ConfigDict(from_attributes=True, extra="forbid")

    id: str = Field(description="Aanmeld-id (subject).")
    name: str = Field(description="Naam.")
    background: Background = Field(description="Achtergrond: oud-burgemeester, ...")
    languages: list[str] = Field(description="Talen (ISO 639-1).")


class Beschikbaarheid(BaseModel):
    """Wanneer een teamlid kan: niet-beschikbare data, voorkeursavonden, plafonds."""

    model_config = ConfigDict(extra="forbid")

    unavailable_dates: list[date] = Field(
        max_length=400, description="Data waarop ik niet kan.", json_schema_extra=DATE_LIST
    )
    preferred_weekdays: list[WeekdayName] = Field(
        default_factory=list, max_length=7, description="Voorkeursavonden."
    )
    max_per_week: int | None = Field(default=None, ge=0, le=7, description="Per week.")
    max_per_month: int | None = Field(default=None, ge=0, le=31, description="Per maand.")
    version: int | None = Field(default=None, description="Versie (of If-Match).")


class VerzoekPublic(BaseModel):
    """Een open sessieverzoek (uit een voorgesprek)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="Id van het verzoek.")
    organisation_code: str = Field(description="CBS-code.")
    organisation_name: str = Field(description="Naam van de organisatie.")
    requested_on: date = Field(description="Datum van het voorgesprek.")
    session_format: str | None = Field(description="Gewenste vorm.")
    preferred_periods: list[dict[str, str]] = Field(description="Gewenste perioden.")
    preferred_weekdays: list[str] = Field(description="Voorkeursavonden.")
    avoid_weekdays: list[str] = Field(description="Te vermijden avonden.")
    attention_online_intimidation_women: bool = Field(description="Aandacht voor vrouwen.")
    college_takes_part: bool = Field(description="College doet mee.")


class PlanningStart(BaseModel):
    """Start een planningsronde."""

    model_config = ConfigDict(extra="forbid")

    time_limit_seconds: float | None = Field(
        default=None, gt=0, le=600, description="Tijdslimiet in seconden."
    )
    plan_from: date | None = Field(
        default=None, description="Plan vanaf deze datum (jjjj-mm-dd, niet in het verleden)."
    )
    replan: bool = Field(
        default=False,
        description="Herplannen met de kleinste wijziging (na een annulering of nieuwe "
        "afwezigheid): voorgestelde sessies die nog aan alle harde regels voldoen blijven "
        "staan, alleen de rest wordt opnieuw gepland; klaar in seconden. Bevestigde sessies "
        "blijven altijd staan.",
    )

    @field_validator("plan_from", mode="before")
    @classmethod
    def _a_calendar_date(cls, value: object) -> object:
        """Only a date (or its ISO text): pydantic would take 0 as 1970-01-01 and a midnight
        timestamp as a date."""
        if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
            return value
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            return value
        raise PydanticCustomError("date_parsing", "a date as YYYY-MM-DD")


class _CamelCase(BaseModel):
    """Fields in lowerCamelCase on the wire (the plan's figures are new, so they follow the
    NL API Design Rules' naming from the start); Python code uses the snake_case names."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class NietIngeplandPerReden(_CamelCase):
    """Hoeveel verzoeken om deze reden niet zijn ingepland."""

    reason: UnplannedReason = Field(description="De reden (zie per verzoek de uitleg).")
    count: int = Field(ge=1, description="Aantal verzoeken.")


class TeamlidInPlanning(_CamelCase):
    """Het aandeel van één teamlid."""

    member_id: str = Field(description="Id van het teamlid.")
    name: str = Field(description="Naam van het teamlid.")
    planned: int = Field(ge=0, description="Sessies in deze planning.")
    confirmed: int = Field(ge=0, description="Al bevestigde sessies (blijven staan).")
    evenings: int = Field(ge=0, description="Avonden in totaal: deze planning plus bevestigd.")
    km: int = Field(
        ge=0, description="Reisafstand in km (enkele reis vanaf huis, over de weg geschat)."
    )


class OnvervuldeWens(_CamelCase):
    """Een wens waaraan de planning niet voldoet."""

    request_id: str = Field(description="Id van het verzoek.")
    organisation_name: str = Field(description="Naam van de organisatie.")
    on: date = Field(description="Datum van de sessie.")
    kind: WishKind = Field(
        description="vrouw-in-team of burgemeesterservaring (gevraagd door de organisatie), "
        "voorkeursavond-teamlid (het teamlid gaat op een andere dan de voorkeursavond)."
    )
    member_name: str | None = Field(
        default=None, description="Het teamlid (alleen bij voorkeursavond-teamlid)."
    )


class WijzigingTovVorige(_CamelCase):
    """Een verzoek dat anders staat dan in de vorige planning."""

    request_id: str = Field(description="Id van het verzoek.")
    organisation_name: str = Field(description="Naam van de organisatie.")
    kind: ChangeKind = Field(
        description="andere-avond, ander-team of niet-meer-ingepland (dan is on leeg)."
    )
    previous_on: date = Field(description="Datum in de vorige planning.")
    on: date | None = Field(description="Datum in deze planning.")
    replaced: list[str] = Field(description="Teamleden van de vorige planning die niet meer gaan.")


class Gewichten(_CamelCase):
    """De gewichten van de zachte regels (strafpunten; lager is beter)."""

    travel: int = Field(ge=0, description="Per km reisafstand (enkele reis, per teamlid).")
    fairness: int = Field(ge=0, description="Maal de som van de kwadraten van sessies per teamlid.")
    waiting: int = Field(
        ge=0, description="Per dag na de eerst mogelijke avond, maal het wachtniveau (1-4)."
    )
    pair: int = Field(ge=0, description="Per ontbrekende vrouw of burgemeesterservaring.")
    weekday_preference: int = Field(
        ge=0, description="Per teamlid dat buiten de eigen voorkeursavonden gaat."
    )
    stability: int = Field(
        ge=0, description="Per verschoven avond of vervangen teamlid t.o.v. de vorige planning."
    )


class PlanningInCijfers(_CamelCase):
    """De planning in de cijfers die een coördinator afweegt."""

    requests: int = Field(ge=0, description="Verzoeken in deze ronde.")
    planned: int = Field(ge=0, description="Waarvan ingepland.")
    unplanned: int = Field(ge=0, description="Waarvan niet ingepland.")
    unplanned_by_reason: list[NietIngeplandPerReden] = Field(
        description="Niet ingepland, per reden."
    )
    km_total: int = Field(ge=0, description="Reisafstand in km, alle teamleden samen.")
    evenings_min: int = Field(ge=0, description="Minste avonden van een teamlid.")
    evenings_max: int = Field(ge=0, description="Meeste avonden van een teamlid.")
    members: list[TeamlidInPlanning] = Field(description="Per teamlid.")
    unmet_wishes: list[OnvervuldeWens] = Field(description="Wensen waaraan niet is voldaan.")
    changes: list[WijzigingTovVorige] = Field(description="Wijzigingen t.o.v. de vorige planning.")
    unchanged: int = Field(ge=0, description="Ongewijzigd uit de vorige planning.")
    new: int = Field(ge=0, description="Nieuw ingepland (stonden niet in de vorige planning).")
    weights: Gewichten = Field(description="De gewichten waarmee de planner dit afwoog.")


class PlanningPublic(BaseModel):
    """Een planningsronde: voortgang en, als zij klaar is, de voorgestelde planning."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="Id van de ronde.")
    status: str = Field(description="bezig, klaar, afgebroken of mislukt.")
    started_by: str = Field(description="Wie haar startte.")
    started_at: datetime = Field(description="Gestart.")
    finished_at: datetime | None = Field(description="Klaar.")
    time_limit_seconds: float = Field(description="Tijdslimiet.")
    progress: dict[str, Any] = Field(description="Voortgang: doelwaarde, grens, tijd.")
    result: dict[str, Any] | None = Field(description="Planning met uitleg per sessie.")
    adopted: bool = Field(description="Of de planning is overgenomen als voorstellen.")
    summary: PlanningInCijfers | None = Field(
        default=None,
        description="De planning in cijfers: km, avonden per teamlid, wel en niet ingepland, "
        "onvervulde wensen, wijzigingen en de gewichten (leeg zolang de ronde loopt).",
    )


class SessiePublic(BaseModel):
    """Een sessie."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="Id van de sessie.")
    request_id: uuid.UUID = Field(description="Het verzoek.")
    organisation_code: str = Field(description="CBS-code.")
    on: date = Field(description="Datum.")
    starts_at: LocalTime = Field(description="Begintijd.")
    ends_at: LocalTime = Field(description="Eindtijd.")
    location: str | None = Field(description="Locatie.")
    session_format: str | None = Field(description="Vorm.")
    members: list[str] = Field(description="Teamleden (ids).")
    status: str = Field(description="voorgesteld, bevestigd, gehouden of geannuleerd.")
    explanation: list[str] = Field(description="Waarom deze avond, waarom dit team.")
    participants: int | None = Field(description="Aantal deelnemers (na afloop).")
    evaluation_score: int | None = Field(description="Evaluatiecijfer 1-10.")
    follow_up_wishes: list[str] = Field(description="Vervolgwensen.")
    version: int = Field(description="Versie (If-Match).")


class SessieWijziging(BaseModel):
    """Wijzig een sessie met de hand (gecontroleerd tegen de harde regels)."""

    model_config = ConfigDict(extra="forbid")

    on: date | None = Field(default=None, description="Nieuwe datum.")
    members: (
        list[Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=PRINTABLE)]]
        | None
    ) = Field(default=None, max_length=6, description="Nieuw team (teamlid-ids).")
    starts_at: LocalTime | None = Field(default=None, description="Begintijd.")
    ends_at: LocalTime | None = Field(default=None, description="Eindtijd.")
    location: str | None = Field(
        default=None, max_length=200, pattern=PRINTABLE, description="Locatie."
    )
    version: int | None = Field(default=None, description="Versie (of If-Match).")


class UitkomstVelden(BaseModel):
    """Hoe een gehouden sessie ging."""

    model_config = ConfigDict(extra="forbid")

    participants: int = Field(ge=0, le=10_000, description="Aantal deelnemers.")
    evaluation_score: int | None = Field(default=None, ge=1, le=10, description="Cijfer 1-10.")
    evaluation_remarks: str | None = Field(
        default=None,
        max_length=2000,
        pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
        description="Opmerkingen (blijven in de planning).",
    )
    follow_up_wishes: list[VervolgWens] = Field(default_factory=list, description="Vervolg.")


class Uitkomst(UitkomstVelden):
    """De uitkomst van een gehouden sessie."""

    version: int | None = Field(default=None, description="Versie (of If-Match).")


class GehoudenSessie(UitkomstVelden):
    """Een sessie die al gehouden is voordat de planner haar kende, achteraf vastgelegd."""

    model_config = ConfigDict(extra="forbid")

    request_id: uuid.UUID = Field(description="Het sessieverzoek waarvoor de sessie was.")
    on: date = Field(description="Datum (vandaag of eerder).")
    members: list[
        Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=PRINTABLE)]
    ] = Field(min_length=1, max_length=6, description="Teamleden (ids) die er waren.")
    starts_at: LocalTime | None = Field(default=None, description="Begintijd.")
    ends_at: LocalTime | None = Field(default=None, description="Eindtijd.")
    location: str | None = Field(
        default=None, max_length=200, pattern=PRINTABLE, description="Locatie."
    )


class Agendafeed(BaseModel):
    url: str = Field(description="Geheim adres van de agendafeed (alleen nu te zien).")
