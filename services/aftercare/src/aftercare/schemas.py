"""Request and response bodies of aftercare's API (Dutch descriptions: they reach users).

The pages validate their forms with the same models: this edge module sits beside ``api/``
so that the pages need not import the API.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Query
from ontour.web.api import EMAIL, PHONE, PRINTABLE, PaginaLinks, SubjectId
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from aftercare.domain.vocabulary import (
    CaseOutcome,
    ContactMode,
    Gender,
    GenderWish,
    IncidentCategory,
    PeerBackground,
    Referral,
    RequesterRole,
)

TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
Line = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=PRINTABLE)]
Code = Annotated[str, StringConstraints(pattern=r"^(GM\d{4}|PV\d{2})$")]
Province = Annotated[str, StringConstraints(pattern=r"^PV\d{2}$")]
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]
# The queue and "mijn nazorg" alike: the open requests (the work to do), or these.
Afgesloten = Annotated[
    bool, Query(description="De afgesloten en ingetrokken verzoeken in plaats van de open.")
]


def moment_field(description: str) -> Any:
    """An optional moment for a step recorded after the fact (default: now)."""
    return Field(
        default=None,
        description=f"{description} Standaard nu; niet in de toekomst en niet vóór de vorige "
        "stap. Zonder tijdzone geldt de Nederlandse tijd.",
    )


class Aanvraag(BaseModel):
    """Een verzoek om nazorg (ook telefonisch door de coördinator ingevoerd)."""

    model_config = ConfigDict(extra="forbid")

    role: RequesterRole = Field(description="Uw functie.")
    incident_categories: list[IncidentCategory] = Field(
        min_length=1, max_length=8, description="Wat er gebeurde."
    )
    story: str | None = Field(
        default=None, max_length=5000, pattern=TEXT, description="Wat er gebeurde, in uw woorden."
    )
    happened_on: date | None = Field(default=None, description="Wanneer (ongeveer).")
    still_ongoing: bool | None = Field(default=None, description="Speelt het nog?")
    reported: list[Annotated[str, StringConstraints(pattern="^(melding|aangifte)$")]] = Field(
        default_factory=list, max_length=2, description="Al gemeld: melding en/of aangifte."
    )
    organisation_code: Code | None = Field(default=None, description="Uw gemeente of provincie.")
    province_code: Province | None = Field(default=None, description="Uw provincie.")
    gender_wish: GenderWish = Field(
        default=GenderWish.GEEN_VOORKEUR, description="Wie u wilt spreken."
    )
    wants_same_background: bool = Field(
        default=False, description="Een peer met dezelfde achtergrond."
    )
    contact_modes: list[ContactMode] = Field(
        default_factory=list, max_length=3, description="Telefoon, video of persoonlijk."
    )
    language: Language = Field(default="nl", description="Taal (nl, en, fy, ...).")
    name: Line = Field(min_length=1, description="Uw naam.")
    email: Annotated[str, StringConstraints(max_length=254, pattern=EMAIL)] | None = Field(
        default=None, description="E-mailadres."
    )
    phone: Annotated[str, StringConstraints(max_length=20, pattern=PHONE)] | None = Field(
        default=None, description="Telefoonnummer."
    )
    # Only true is valid; a false one is refused with its reason in Dutch (api.verzoeken).
    consent_handling: bool = Field(
        json_schema_extra={"const": True},
        description="Toestemming om uw verzoek te behandelen: zonder (false) kunnen wij niets "
        "voor u doen en bewaren wij niets.",
    )
    consent_share_with_peer: bool = Field(
        default=False, description="Toestemming om uw gegevens te delen met de gekoppelde peer."
    )
    consent_statistics: bool = Field(
        default=False, description="Toestemming om uw verzoek anoniem mee te tellen."
    )
    website: str | None = Field(default=None, max_length=200, description="Laat dit veld leeg.")
    received_at: datetime | None = moment_field(
        "Ontvangen op: wanneer het verzoek binnenkwam, als dat eerder was (alleen de "
        "coördinator, bij een verzoek dat telefonisch binnenkwam)."
    )


class Ontvangen(BaseModel):
    """Het verzoek is ontvangen."""

    reference: str = Field(description="Uw kenmerk.")
    status_url: str = Field(description="Geheim adres om de status te volgen en in te trekken.")


class VerzoekInWachtrij(BaseModel):
    """Een verzoek in de wachtrij (zonder persoonsgegevens)."""

    id: uuid.UUID = Field(description="Id.")
    reference: str = Field(description="Kenmerk.")
    status: str = Field(description="Status.")
    role: str = Field(description="Functie.")
    incident_categories: list[str] = Field(description="Wat er gebeurde.")
    gender_wish: str = Field(description="Wens voor de peer.")
    requested_at: datetime = Field(description="Aangevraagd.")
    waiting_days: int = Field(description="Dagen sinds de aanvraag.")
    first_contact_due: datetime = Field(description="Eerste contact uiterlijk.")
    service_level: str = Field(description="Stand van de termijn.")
    peer_id: str | None = Field(description="Gekoppelde peer.")
    proposed_peer_id: str | None = Field(description="Voorgestelde peer.")
    alerts: list[dict[str, str]] = Field(
        description="Herinneringen (aan de peer) en escalaties (aan de coördinator) die nu gelden."
    )
    version: int = Field(description="Versie (If-Match).")
    closed_at: datetime | None = Field(description="Afgesloten of ingetrokken op.")


class Verzoeken(BaseModel):
    """Eén pagina van de wachtrij: de open verzoeken, of de afgesloten en ingetrokken."""

    items: list[VerzoekInWachtrij] = Field(description="De verzoeken op deze pagina.")
    total: int = Field(description="Aantal verzoeken in deze lijst (open, of afgesloten).")
    links: PaginaLinks = Field(description="Links om door de pagina's te bladeren.")


class Dossier(VerzoekInWachtrij):
    """Een verzoek met de persoonsgegevens (elke inzage wordt gelogd)."""

    name: str | None = Field(description="Naam (leeg zonder toestemming om te delen).")
    email: str | None = Field(description="E-mailadres.")
    phone: str | None = Field(description="Telefoonnummer.")
    story: str | None = Field(description="Wat er gebeurde.")
    contact_modes: list[str] = Field(description="Gewenste contactvorm.")
    consent_share_with_peer: bool = Field(description="Mag gedeeld worden met de peer.")
    consent_statistics: bool = Field(description="Telt anoniem mee.")
    matched_at: datetime | None = Field(description="Gekoppeld op.")
    contacted_at: datetime | None = Field(description="Eerste contact op.")
    outcome: str | None = Field(description="Uitkomst.")
    referrals: list[str] = Field(description="Doorverwijzingen.")


class Kandidaat(BaseModel):
    peer_id: str = Field(description="Peer.")
    score: float = Field(description="Score (hoger is beter).")
    reasons: list[str] = Field(description="Waarom.")


class Voorstel(BaseModel):
    """Het voorstel voor een peer, met de redenen, en wie niet kan en waarom."""

    best: Kandidaat | None = Field(description="Het voorstel.")
    alternatives: list[Kandidaat] = Field(description="Volgende kandidaten.")
    excluded: dict[str, list[str]] = Field(description="Uitgesloten peers en waarom.")


class Koppeling(BaseModel):
    model_config = ConfigDict(extra="forbid")

    peer_id: SubjectId = Field(description="De peer.")
    override_reason: Annotated[str, StringConstraints(max_length=500, pattern=PRINTABLE)] | None = (
        Field(default=None, description="Reden als u afwijkt van het voorstel.")
    )
    version: int | None = Field(default=None, description="Versie (of If-Match).")
    matched_at: datetime | None = moment_field("Wanneer de peer werd gekoppeld.")


class Stap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, description="Versie (of If-Match).")


class Contact(Stap):
    mode: ContactMode = Field(description="Hoe het eerste contact was.")
    contacted_at: datetime | None = moment_field("Wanneer het eerste contact was.")


class Afsluiting(Stap):
    outcome: CaseOutcome = Field(description="Uitkomst.")
    referrals: list[Referral] = Field(default_factory=list, description="Doorverwijzingen.")
    closed_at: datetime | None = moment_field("Wanneer de nazorg werd afgesloten.")


class PeerIn(BaseModel):
    """Een peerprofiel."""

    model_config = ConfigDict(extra="forbid")

    id: SubjectId = Field(description="Aanmeld-id van de peer.")
    name: Line = Field(min_length=1, description="Naam.")
    background: PeerBackground = Field(description="Achtergrond.")
    gender: Gender = Field(description="Gender.")
    capacity: int = Field(default=3, ge=0, le=20, description="Hoogstens zoveel lopende dossiers.")
    available: bool = Field(default=True, description="Beschikbaar voor nieuwe verzoeken.")
    organisation_codes: list[Code] = Field(default_factory=list, description="Eigen organisaties.")
    conflict_codes: list[Code] = Field(default_factory=list, description="Belangenconflicten.")
    regions: list[Province] = Field(default_factory=list, description="Regio's (provincies).")
    expertise: list[IncidentCategory] = Field(default_factory=list, description="Ervaring met.")
    languages: list[Language] = Field(default_factory=lambda: ["nl"], description="Talen.")


class PeerPublic(PeerIn):
    model_config = ConfigDict(from_attributes=True, extra="ignore")

    version: int = Field(description="Versie.")
    active_cases: int = Field(default=0, description="Lopende dossiers nu.")
