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
