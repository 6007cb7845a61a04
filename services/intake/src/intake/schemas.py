"""Request and response bodies of intake's API (Dutch descriptions: they reach users).

The pages validate their forms with the same models: this edge module sits beside ``api/``
so that the pages need not import the API.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, get_args

from ontour.contracts.intake import (
    OrganisatieVeld,
    OrganisationCode,
    ProtocolAntwoord,
    ProtocolStand,
    TourStatus,
)
from ontour.web.api import EMAIL, PHONE, PRINTABLE, PaginaLinks
from pydantic import MISSING, BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from intake.domain.register import OrganisationKind
from intake.domain.voorgesprek import VoorgesprekContent

# Printable text only (no NUL or other control characters: PostgreSQL and logs choke on them).


class VervolgactieIn(BaseModel):
    """Een vervolgactie: wat er moet gebeuren, door wie, wanneer."""

    model_config = ConfigDict(extra="forbid")

    description: str = Field(
        min_length=1,
        max_length=500,
        pattern=PRINTABLE,
        description="Wat er moet gebeuren (zonder persoonsgegevens).",
    )
    owner: str = Field(
        min_length=1, max_length=100, pattern=PRINTABLE, description="Wie het doet (teamlid-id)."
    )
    due_on: date | None = Field(default=None, description="Uiterlijk op deze datum.")


class VoorgesprekIn(VoorgesprekContent):
    """Invoer voor een nieuw voorgesprek (gepland of gehouden), met vervolgacties."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    follow_ups: list[VervolgactieIn] = Field(
        default_factory=list, max_length=20, description="Vervolgacties die eruit volgen."
    )

    def content(self) -> VoorgesprekContent:
        return VoorgesprekContent.model_validate(self.model_dump(exclude={"follow_ups"}))


def _patch_field(info: FieldInfo) -> tuple[Any, Any]:
    """A field of the PATCH, with the voorgesprek's own rules (format, length): left out means
    unchanged; null empties it where the voorgesprek may have it empty, and is refused (not
    offered in the OpenAPI) where it may not."""
    ruled = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
    if type(None) in get_args(info.annotation):
        return ruled, Field(default=None, description=info.description)
    return ruled | MISSING, Field(default=MISSING, description=info.description)


# Every field optional: a PATCH changes only what it sends (JSON merge semantics).
VoorgesprekPatch = create_model(  # type: ignore[call-overload]
    "VoorgesprekPatch",
    __config__=ConfigDict(extra="forbid"),
    __doc__="Wijziging van een voorgesprek: alleen de meegestuurde velden veranderen.",
    version=(
        int | None,
        Field(default=None, description="Versie waarop de wijziging is gebaseerd (of If-Match)."),
    ),
    **{name: _patch_field(info) for name, info in VoorgesprekContent.model_fields.items()},
)


class VoorgesprekPublic(VoorgesprekContent):
    """Een vastgelegd voorgesprek. De vertrouwelijke notitie staat er alleen in bij
    ``?metNotitie=true`` (elke inzage wordt gelogd)."""

    model_config = ConfigDict(frozen=True)

    id: uuid.UUID = Field(description="Id van het voorgesprek.")
    organisation_name: str = Field(description="Naam van de organisatie.")
    has_confidential_note: bool = Field(description="Of er een vertrouwelijke notitie is.")
    created_by: str = Field(description="Wie het voorgesprek vastlegde.")
    recorded_at: datetime = Field(description="Moment van vastleggen.")
    updated_at: datetime = Field(description="Moment van de laatste wijziging.")
    version: int = Field(description="Versie, voor het veilig wijzigen (If-Match).")


class VoorgesprekLijst(BaseModel):
    """Eén pagina voorgesprekken."""

    items: list[VoorgesprekPublic] = Field(description="De voorgesprekken op deze pagina.")
    total: int = Field(description="Aantal voorgesprekken dat aan de filters voldoet.")
    links: PaginaLinks = Field(description="Links om door de pagina's te bladeren.")


class WijzigingPublic(BaseModel):
    """Eén wijziging in de geschiedenis van een voorgesprek."""

    model_config = ConfigDict(from_attributes=True)

    version: int = Field(description="Versie na de wijziging.")
    changed_by: str = Field(description="Wie de wijziging deed.")
    changed_at: datetime = Field(description="Wanneer.")
    action: str = Field(description="aangemaakt, geimporteerd, gewijzigd, gehouden of geannuleerd.")
    changes: dict[str, list[Any]] = Field(
        description="Per veld [oud, nieuw]; vertrouwelijke velden alleen als '(vertrouwelijk)'."
    )


class VervolgactiePublic(VervolgactieIn):
    """Een vastgelegde vervolgactie."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="Id van de vervolgactie.")
    organisation_code: OrganisationCode = Field(description="CBS-code van de organisatie.")
    voorgesprek_id: uuid.UUID | None = Field(description="Het voorgesprek waar zij uit volgt.")
    done_at: datetime | None = Field(description="Wanneer zij is afgerond; leeg als open.")
    created_at: datetime = Field(description="Moment van vastleggen.")
    version: int = Field(description="Versie, voor het veilig wijzigen (If-Match).")


class VervolgactieNieuw(VervolgactieIn):
    """Een nieuwe vervolgactie bij een organisatie (en eventueel een voorgesprek)."""

    organisation_code: OrganisationCode = Field(description="CBS-code van de organisatie.")
    voorgesprek_id: uuid.UUID | None = Field(
        default=None, description="Het voorgesprek waar zij uit volgt."
    )


class VervolgactieWijziging(BaseModel):
    """Wijziging van een vervolgactie: alleen de meegestuurde velden veranderen."""

    model_config = ConfigDict(extra="forbid")

    # What and who cannot be emptied (MISSING: left out means unchanged, null is refused);
    # a due date can (null removes it).
    description: str | MISSING = Field(
        default=MISSING, min_length=1, max_length=500, pattern=PRINTABLE, description="Wat."
    )
    owner: str | MISSING = Field(
        default=MISSING, min_length=1, max_length=100, pattern=PRINTABLE, description="Wie."
    )
    due_on: date | None = Field(default=None, description="Uiterlijk op deze datum.")
    done: bool | None = Field(default=None, description="Afgerond (true) of weer open (false).")
    version: int | None = Field(default=None, description="Versie (of If-Match).")


class VervolgactieLijst(BaseModel):
    items: list[VervolgactiePublic] = Field(description="De vervolgacties op deze pagina.")
    total: int = Field(description="Aantal dat aan de filters voldoet.")
    links: PaginaLinks = Field(description="Links om door de pagina's te bladeren.")


class NotitieIn(BaseModel):
    """Een werknotitie bij een organisatie."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=2000,
        pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
        description="De notitie (geen persoonsgegevens: daarvoor is de vertrouwelijke notitie).",
    )


class NotitiePublic(NotitieIn):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="Id van de notitie.")
    created_by: str = Field(description="Wie haar schreef.")
    created_at: datetime = Field(description="Wanneer.")


class TijdlijnItem(BaseModel):
    """Iets wat er met een organisatie gebeurde."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime = Field(description="Wanneer.")
    kind: str = Field(description="Soort: voorgesprek, tourstatus, notitie, contact, ...")
    summary: str = Field(description="Wat er gebeurde.")
    actor: str | None = Field(description="Door wie.")
    object_id: str | None = Field(description="Id van het betrokken gegeven.")


class TourstatusWijziging(BaseModel):
    """Zet de tourstatus van een organisatie met de hand (bijvoorbeeld geen interesse)."""

    model_config = ConfigDict(extra="forbid")

    tour_status: TourStatus = Field(description="De nieuwe tourstatus.")
    version: int | None = Field(default=None, description="Versie (of If-Match).")


class PublicatieWijziging(BaseModel):
    """Zet of wis "niet publiceren": de organisatie wil niet genoemd worden in de
    gepubliceerde tourcijfers (zij telt dan alleen mee in de landelijke totalen)."""

    model_config = ConfigDict(extra="forbid")

    not_published: bool = Field(
        description="true: niet publiceren; false: gewoon publiceren (de standaard)."
    )
    note: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        pattern=PRINTABLE,
        description="Korte toelichting voor de tijdlijn, bijvoorbeeld 'op verzoek van de "
        "griffie' (geen persoonsgegevens).",
    )
    version: int | None = Field(default=None, description="Versie (of If-Match).")


class ImportRij(BaseModel):
    """Wat er met één rij van het bestand gebeurde."""

    row: int = Field(description="Rijnummer zoals de spreadsheet het toont (kopregel = 1).")
    status: str = Field(description="geimporteerd, afgewezen, overgeslagen of dubbel.")
    organisation_code: str | None = Field(description="CBS-code, als de rij te lezen was.")
    held_on: date | None = Field(description="Datum, als de rij te lezen was.")
    reasons: list[str] = Field(description="Waarom (bij afgewezen: per kolom).")
    voorgesprek_id: uuid.UUID | None = Field(description="Het geïmporteerde voorgesprek.")


class ImportRapport(BaseModel):
    """Het rij-voor-rij-rapport van een import."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(description="Id van de import.")
    filename: str = Field(description="Naam van het bestand.")
    created_at: datetime = Field(description="Wanneer geïmporteerd.")
    counts: dict[str, int] = Field(description="Aantal rijen per status.")
    ignored_columns: list[str] = Field(description="Kolommen die de import niet kent.")
    report: list[ImportRij] = Field(description="Per rij wat er gebeurde.")


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
    not_published: bool = Field(
        description="Niet publiceren: de organisatie wil niet genoemd worden in de "
        "gepubliceerde tourcijfers."
    )
    version: int = Field(description="Versie, voor het veilig wijzigen (If-Match).")


class OrganisatieLijst(BaseModel):
    """Eén pagina organisaties."""

    items: list[OrganisatiePublic] = Field(description="De organisaties op deze pagina.")
    total: int = Field(description="Aantal organisaties dat aan de filters voldoet.")
    links: PaginaLinks = Field(description="Links om door de pagina's te bladeren.")


class ContactCreate(BaseModel):
    """Een contactpersoon bij een organisatie (persoonsgegevens: versleuteld opgeslagen)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1, max_length=200, pattern=PRINTABLE, description="Naam van de persoon."
    )
    function: str = Field(
        min_length=1,
        max_length=100,
        pattern=PRINTABLE,
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


class ProtocolWijziging(BaseModel):
    """Wat de organisatie zegt over haar afspraken tegen agressie (uit het voorgesprek), elk
    ja, nee of onbekend, vanaf een datum. Een antwoord gelijk aan het huidige verandert niets."""

    model_config = ConfigDict(extra="forbid")

    aggression_protocol: ProtocolAntwoord = Field(description="Heeft zij een agressieprotocol?")
    officials_reporting_point: ProtocolAntwoord = Field(
        description="Heeft zij een meldpunt voor ambtsdragers?"
    )
    police_liaison: ProtocolAntwoord = Field(
        description="Heeft zij een vast contactpersoon bij de politie?"
    )
    domicile_arrangements: ProtocolAntwoord = Field(
        description="Heeft zij afspraken over domiciliekeuze (een ander adres dan het woonadres)?"
    )
    since: date = Field(
        description="Vanaf wanneer de antwoorden gelden, meestal de datum van het voorgesprek: "
        "niet in de toekomst en niet voor de datum van het huidige antwoord."
    )
    voorgesprek_id: uuid.UUID | None = Field(
        default=None, description="Het voorgesprek waarin de antwoorden werden gegeven."
    )
    version: int | None = Field(default=None, description="Versie (of If-Match).")


class ProtocolHistorieItem(BaseModel):
    """Eén vastgelegd antwoord: wat, vanaf wanneer, wie het vastlegde en wanneer."""

    model_config = ConfigDict(from_attributes=True)

    topic: OrganisatieVeld = Field(description="De vraag (het veld van het antwoord).")
    answer: ProtocolAntwoord = Field(description="ja, nee of onbekend.")
    since: date = Field(description="Vanaf wanneer het antwoord geldt.")
    voorgesprek_id: uuid.UUID | None = Field(
        description="Het voorgesprek, als het daar werd gegeven."
    )
    recorded_by: str = Field(description="Wie het vastlegde.")
    recorded_at: datetime = Field(description="Wanneer het werd vastgelegd.")


class ProtocolPublic(BaseModel):
    """De afspraken van een organisatie tegen agressie: de huidige antwoorden (leeg: nooit
    vastgelegd) en elk antwoord dat ooit werd vastgelegd (nieuwste eerst)."""

    cbs_code: OrganisationCode = Field(description="CBS-code (GMxxxx of PVxx).")
    aggression_protocol: ProtocolStand | None = Field(description="Agressieprotocol.")
    officials_reporting_point: ProtocolStand | None = Field(
        description="Meldpunt voor ambtsdragers."
    )
    police_liaison: ProtocolStand | None = Field(description="Vast contactpersoon bij de politie.")
    domicile_arrangements: ProtocolStand | None = Field(
        description="Afspraken over domiciliekeuze."
    )
    history: list[ProtocolHistorieItem] = Field(description="Elk vastgelegd antwoord.")
    version: int = Field(description="Versie van de organisatie, voor het veilig wijzigen.")
