"""The register of organisations: list (filtered, paged), one by its CBS code, and what a
coordinator changes by hand (tour status, "niet publiceren", the arrangements against
aggression), notes and the timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from ontour.clock import today
from ontour.contracts.intake import PROTOCOL_FIELDS, TourStatus
from ontour.service import SessionsDep
from ontour.web.api import (
    PRINTABLE,
    CallerDep,
    Formaat,
    IfMatch,
    Pagina,
    PerPagina,
    etag,
    expected_version,
    page_links,
    window,
)
from ontour.web.export import (
    EXPORT_RESPONSES,
    ExportTable,
    export_response,
    requested_format,
)
from ontour.web.problems import Problem, problem_responses
from sqlmodel.ext.asyncio.session import AsyncSession

from intake import repository
from intake.api.deps import CbsCode
from intake.domain import protocol
from intake.domain.register import OrganisationKind
from intake.models import OrganisationNote, OrganisationRow
from intake.schemas import (
    NotitieIn,
    NotitiePublic,
    OrganisatieLijst,
    OrganisatiePublic,
    ProtocolPublic,
    ProtocolWijziging,
    PublicatieWijziging,
    TijdlijnItem,
    TourstatusWijziging,
)
from intake.usecases import organisations

router = APIRouter(prefix="/organisaties", tags=["organisaties"])

# Printable text only: a NUL byte cannot even reach PostgreSQL, so refuse it (and other
# control characters) as invalid input instead of failing on it.


EXPORT_COLUMNS = (
    "cbs_code", "naam", "soort", "provincie", "provincienaam", "tourstatus", "opgeheven_per",
    "opvolger", "niet_publiceren", *protocol.EXPORT_COLUMNS,
)  # fmt: skip


@router.get(
    "",
    response_model=OrganisatieLijst,
    responses={**problem_responses(422), **EXPORT_RESPONSES},
    summary="Organisaties in het register",
    description="Gemeenten en provincies, op naam gesorteerd, te filteren en per pagina. Als CSV "
    "of XLSX (`formaat` of `Accept`) met per organisatie ook de huidige afspraken tegen agressie "
    '("Melden helpt"): per vraag het antwoord en de dag waarop het geldt.',
)
async def list_organisations(
    request: Request,
    sessions: SessionsDep,
    provincie: Annotated[
        str | None, Query(pattern=r"^PV\d{2}$", description="CBS-code van de provincie (PVxx).")
    ] = None,
    kind: Annotated[
        OrganisationKind | None,
        Query(alias="type", description="Soort organisatie: gemeente of provincie."),
    ] = None,
    tour_status: Annotated[
        TourStatus | None, Query(alias="tourStatus", description="Status in de tour.")
    ] = None,
    zoek: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            pattern=PRINTABLE,
            description="Zoek op (een deel van) de naam, ongeacht hoofdletters.",
        ),
    ] = None,
    pagina: Pagina = 1,
    per_pagina: PerPagina = 20,
    formaat: Formaat = None,
) -> Any:
    where = repository.OrganisationFilter(
        province_code=provincie, kind=kind, tour_status=tour_status, name_contains=zoek
    )
    export = requested_format(request, formaat)
    async with sessions() as session:
        offset, limit = window(export, pagina, per_pagina)
        rows, total = await repository.list_organisations(
            session, where, offset=offset, limit=limit
        )
    if export:
        table = ExportTable(
            "organisaties",
            EXPORT_COLUMNS,
            (
                [r.cbs_code, r.name, r.kind, r.province_code, r.province_name, r.tour_status,
                 r.valid_until, r.successor_code, r.not_published,
                 *protocol.export_cells(protocol.stored(r.protocol))]
                for r in rows
            ),
        )  # fmt: skip
        return export_response(table, export)
    return OrganisatieLijst(
        items=[OrganisatiePublic.model_validate(row) for row in rows],
        total=total,
        links=page_links(request, pagina, per_pagina, total),
    )


@router.get(
    "/{cbs_code}",
    response_model=OrganisatiePublic,
    responses=problem_responses(404, 422),
    summary="Eén organisatie",
)
async def get_organisation(
    cbs_code: CbsCode, sessions: SessionsDep, response: Response
) -> OrganisationRow:
    async with sessions() as session:
        row = await _organisation_or_404(session, cbs_code)
    response.headers["ETag"] = etag(row.version)
    return row


async def _organisation_or_404(session: AsyncSession, cbs_code: str) -> OrganisationRow:
    row = await repository.get_organisation(session, cbs_code)
    if row is None:
        raise Problem(404, organisations.missing(cbs_code))
    return row


@router.patch(
    "/{cbs_code}",
    response_model=OrganisatiePublic,
    responses=problem_responses(404, 409, 422, 428),
    summary="Zet de tourstatus met de hand",
    description="Bijvoorbeeld 'geen interesse' na een telefoontje, of 'sessie gehouden' voor "
    "een sessie van voor dit systeem. Met de versie (If-Match of `version`).",
)
async def set_tour_status(
    cbs_code: CbsCode,
    body: TourstatusWijziging,
    sessions: SessionsDep,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
) -> OrganisationRow:
    expected = expected_version(if_match, body.version)
    row = await organisations.set_tour_status(
        sessions, caller, cbs_code, body.tour_status, expected_version=expected
    )
    response.headers["ETag"] = etag(row.version)
    return row


@router.put(
    "/{cbs_code}/publicatie",
    response_model=OrganisatiePublic,
    responses=problem_responses(404, 409, 422, 428),
    summary="Zet of wis 'niet publiceren'",
    description="Een organisatie kan vragen niet genoemd te worden in de gepubliceerde "
    "tourcijfers: op de kaarten en in de tabellen van rapportage staat zij dan als 'niet "
    "gepubliceerd' en zij telt alleen mee in de landelijke totalen. Elke wijziging komt met "
    "wie en wanneer in de tijdlijn en gaat als `organisatie.gewijzigd` naar de andere "
    "diensten. Met de versie (If-Match of `version`); dezelfde waarde nog eens zetten "
    "verandert niets.",
)
async def set_publication(
    cbs_code: CbsCode,
    body: PublicatieWijziging,
    sessions: SessionsDep,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
) -> OrganisationRow:
    expected = expected_version(if_match, body.version)
    row = await organisations.set_publication(
        sessions, caller, cbs_code, body.not_published, note=body.note, expected_version=expected
    )
    response.headers["ETag"] = etag(row.version)
    return row


async def _protocol(session: AsyncSession, row: OrganisationRow) -> ProtocolPublic:
    history = await repository.protocol_history_of(session, row.cbs_code)
    current = protocol.storable(protocol.stored(row.protocol))
    return ProtocolPublic.model_validate({
        "cbs_code": row.cbs_code, "version": row.version,
        **{t.value: None for t in PROTOCOL_FIELDS}, **current,
        "history": [h.model_dump() for h in history],
    })  # fmt: skip


@router.get(
    "/{cbs_code}/protocol",
    response_model=ProtocolPublic,
    responses=problem_responses(404, 422),
    summary="Afspraken tegen agressie: de huidige antwoorden en hun geschiedenis",
    description="Heeft de organisatie een agressieprotocol, een meldpunt voor ambtsdragers, "
    "een vast contactpersoon bij de politie en afspraken over domiciliekeuze: elk ja, nee of "
    "onbekend, vanaf een datum, met elk antwoord dat ooit werd vastgelegd (wie, wanneer).",
)
async def get_protocol(cbs_code: CbsCode, sessions: SessionsDep, response: Response) -> Any:
    async with sessions() as session:
        row = await _organisation_or_404(session, cbs_code)
        found = await _protocol(session, row)
    response.headers["ETag"] = etag(row.version)
    return found


@router.put(
    "/{cbs_code}/protocol",
    response_model=ProtocolPublic,
    responses=problem_responses(404, 409, 422, 428),
    summary="Leg de afspraken tegen agressie vast (uit het voorgesprek)",
    description="De vier antwoorden (ja, nee of onbekend) met de datum vanaf wanneer zij "
    "gelden. Elk gewijzigd antwoord komt in de geschiedenis en de tijdlijn en gaat als "
    "`organisatie.gewijzigd` naar de andere diensten; een antwoord gelijk aan het huidige "
    "verandert niets. De datum ligt niet in de toekomst en niet voor die van het huidige "
    "antwoord. Met de versie (If-Match of `version`).",
)
async def record_protocol(
    cbs_code: CbsCode,
    body: ProtocolWijziging,
    sessions: SessionsDep,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    expected = expected_version(if_match, body.version)
    answers = {t: getattr(body, t.value) for t in PROTOCOL_FIELDS}
    row = await organisations.record_protocol(
        sessions, caller, cbs_code, answers, since=body.since, today=today(),
        expected_version=expected, voorgesprek_id=body.voorgesprek_id,
    )  # fmt: skip
    async with sessions() as session:
        found = await _protocol(session, row)
    response.headers["ETag"] = etag(row.version)
    return found


@router.get(
    "/{cbs_code}/tijdlijn",
    response_model=list[TijdlijnItem],
    responses=problem_responses(404, 422),
    summary="Tijdlijn: alles wat er met de organisatie gebeurde (nieuwste eerst)",
)
async def timeline(cbs_code: CbsCode, sessions: SessionsDep) -> Any:
    async with sessions() as session:
        await _organisation_or_404(session, cbs_code)
        return await repository.timeline_of(session, cbs_code)


@router.get(
    "/{cbs_code}/notities",
    response_model=list[NotitiePublic],
    responses=problem_responses(404, 422),
    summary="Werknotities bij de organisatie",
)
async def notes(cbs_code: CbsCode, sessions: SessionsDep) -> Any:
    async with sessions() as session:
        await _organisation_or_404(session, cbs_code)
        return await repository.notes_of(session, cbs_code)


@router.post(
    "/{cbs_code}/notities",
    status_code=status.HTTP_201_CREATED,
    response_model=NotitiePublic,
    responses=problem_responses(404, 422),
    summary="Voeg een werknotitie toe",
)
async def add_note(
    cbs_code: CbsCode,
    body: NotitieIn,
    sessions: SessionsDep,
    caller: CallerDep,
) -> OrganisationNote:
    return await organisations.add_note(sessions, caller, cbs_code, body.text)
