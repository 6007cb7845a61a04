"""Request and response bodies of intake's API (Dutch descriptions: they reach users)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from ontour.contracts.intake import GespreksVorm, OrganisationCode
from pydantic import BaseModel, ConfigDict, Field

from intake.domain.register import OrganisationKind
from intake.domain.tour_status import TourStatus


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


class OrganisatiePublic(BaseModel):
    """Een gemeente of provincie uit het register."""

    model_config = ConfigDict(from_attributes=True)

    cbs_code: OrganisationCode = Field(description="CBS-code (GMxxxx of PVxx).")
    name: str = Field(description="Naam van de gemeente of provincie.")
    kind: OrganisationKind = Field(description="Soort organisatie: gemeente of provincie.")
    province_code: str = Field(description="CBS-code van de provincie (PVxx).")
    province_name: str = Field(description="Naam van de provincie.")
    lat: float | None = Field(description="Breedtegraad van een punt in de organisatie (WGS84).")
    lon: float | None = Field(description="Lengtegraad van een punt in de organisatie (WGS84).")
    valid_from: date | None = Field(
        description="Eerste dag dat de organisatie bestaat; leeg als zij al bestond toen het "
        "register begon."
    )
    valid_until: date | None = Field(
        description="Eerste dag dat de organisatie niet meer bestaat (bijvoorbeeld na een "
        "herindeling); leeg zolang zij bestaat."
    )
    successor_code: str | None = Field(
        description="CBS-code van de organisatie waarin zij is opgegaan."
    )
    tour_status: TourStatus = Field(description="Waar de organisatie staat in de tour.")
    version: int = Field(description="Versie, voor het veilig wijzigen (If-Match).")


class Link(BaseModel):
    href: str = Field(description="Adres van de pagina.")


class PaginaLinks(BaseModel):
    """Links naar deze en aangrenzende pagina's."""

    self: Link = Field(description="Deze pagina.")
    first: Link = Field(description="De eerste pagina.")
    last: Link = Field(description="De laatste pagina.")
    prev: Link | None = Field(default=None, description="De vorige pagina, als die er is.")
    next: Link | None = Field(default=None, description="De volgende pagina, als die er is.")


class OrganisatieLijst(BaseModel):
    """Eén pagina organisaties."""

    items: list[OrganisatiePublic] = Field(description="De organisaties op deze pagina.")
    total: int = Field(description="Aantal organisaties dat aan de filters voldoet.")
    links: PaginaLinks = Field(description="Links om door de pagina's te bladeren.")


# Printable text only (no NUL or other control characters: PostgreSQL and logs choke on them).
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
EMAIL = r"^[^\s@\x00-\x1f\x7f]+@[^\s@\x00-\x1f\x7f]+\.[^\s@\x00-\x1f\x7f]+$"
PHONE = r"^\+?[0-9][0-9 ()-]{5,19}$"


class ContactCreate(BaseModel):
    """Een contactpersoon bij een organisatie (persoonsgegevens: versleuteld opgeslagen)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1, max_length=200, pattern=_PRINTABLE, description="Naam van de persoon."
    )
    function: str = Field(
        min_length=1,
        max_length=100,
        pattern=_PRINTABLE,
        description="Functie, bijvoorbeeld griffier of burgemeester.",
    )
    email: str | None = Field(
        default=None, max_length=254, pattern=EMAIL, description="E-mailadres."
    )
    phone: str | None = Field(
        default=None,
        max_length=20,
        pattern=PHONE,
        description="Telefoonnummer (cijfers, spaties, haakjes, streepjes; mag met +).",
    )


class ContactPublic(BaseModel):
    """Een vastgelegde contactpersoon."""

    id: uuid.UUID = Field(description="Id van de contactpersoon.")
    organisation_code: OrganisationCode = Field(description="CBS-code van de organisatie.")
    name: str = Field(description="Naam van de persoon.")
    function: str = Field(description="Functie.")
    email: str | None = Field(description="E-mailadres.")
    phone: str | None = Field(description="Telefoonnummer.")
    created_at: datetime = Field(description="Moment van vastleggen.")
    version: int = Field(description="Versie.")
