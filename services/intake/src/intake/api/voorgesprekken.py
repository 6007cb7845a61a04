"""Voorgesprekken: plan, record, correct and cancel; lists with filters and exports.

A teamlid may record voorgesprekken and change the ones they held (they are among its
teamleden); a coordinator may change every one. Every change names the version it was based
on (``If-Match`` or ``version``): a stale change gets 409, never a silent overwrite.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from ontour.clock import today
from ontour.contracts.intake import ORGANISATION_CODE, Thema, VoorgesprekStatus
from ontour.service import SessionsDep
from ontour.web.api import (
    PRINTABLE,
    CallerDep,
    CipherDep,
    Formaat,
    IfMatch,
    IsoDate,
    Pagina,
    PerPagina,
    PrincipalDep,
    etag,
    expected_version,
    is_coordinator,
    page_links,
    window,
)
from ontour.web.export import (
    EXPORT_RESPONSES,
    ExportTable,
    export_response,
    requested_format,
)
from ontour.web.problems import Problem, invalid, problem_responses, validation_problem
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from intake import repository
from intake.models import Voorgesprek
from intake.repository import content_of
from intake.schemas import (
    VoorgesprekIn,
    VoorgesprekLijst,
    VoorgesprekPatch,
    VoorgesprekPublic,
    WijzigingPublic,
)
from intake.usecases import voorgesprekken

router = APIRouter(prefix="/voorgesprekken", tags=["voorgesprekken"])

EXPORT_COLUMNS = (
    "id", "organisatie", "naam", "status", "datum", "tijd", "vorm", "teamleden",
    "thema's", "incidenten_aantal", "incidenten_categorieen", "sessiewens", "sessievorm",
    "verwachte_deelnemers", "deelnemers", "versie",
)  # fmt: skip


def public(row: Voorgesprek, name: str, note: str | None = None) -> VoorgesprekPublic:
    content = content_of(row, note)
    return VoorgesprekPublic(
        **content.model_dump(),
        id=row.id,
        organisation_name=name,
        has_confidential_note=row.confidential_note_enc is not None,
        created_by=row.created_by,
        recorded_at=row.recorded_at,
        updated_at=row.updated_at,
        version=row.version,
    )


async def _row_or_404(session: AsyncSession, voorgesprek_id: uuid.UUID) -> Voorgesprek:
    row = await repository.get_voorgesprek(session, voorgesprek_id)
    if row is None:
        raise Problem(404, voorgesprekken.MISSING)
    return row


async def _answer(
    session: AsyncSession, voorgesprek_id: uuid.UUID, response: Response
) -> VoorgesprekPublic:
    row = await _row_or_404(session, voorgesprek_id)
    names = await repository.organisation_names(session, {row.organisation_code})
    response.headers["ETag"] = etag(row.version)
    return public(row, names.get(row.organisation_code, ""))


@router.get(
    "",
    response_model=VoorgesprekLijst,
    responses={**problem_responses(422), **EXPORT_RESPONSES},
    summary="Voorgesprekken",
    description="Nieuwste eerst; te filteren op periode, organisatie, provincie, teamlid, status "
    "en thema. Met `formaat=csv|xlsx` (of Accept) de hele lijst als bestand.",
)
async def list_voorgesprekken(
    request: Request,
    sessions: SessionsDep,
    organisatie: Annotated[
        str | None, Query(pattern=ORGANISATION_CODE, description="CBS-code van de organisatie.")
    ] = None,
    provincie: Annotated[
        str | None, Query(pattern=r"^PV\d{2}$", description="CBS-code van de provincie.")
    ] = None,
    van: Annotated[IsoDate | None, Query(description="Vanaf deze datum.")] = None,
    tot: Annotated[IsoDate | None, Query(description="Tot en met deze datum.")] = None,
    teamlid: Annotated[
        str | None,
        Query(min_length=1, max_length=100, pattern=PRINTABLE, description="Teamlid-id."),
    ] = None,
    status_: Annotated[
        VoorgesprekStatus | None,
        Query(alias="status", description="gepland, gehouden, geannuleerd."),
    ] = None,
    thema: Annotated[Thema | None, Query(description="Besproken thema.")] = None,
    pagina: Pagina = 1,
    per_pagina: PerPagina = 20,
    formaat: Formaat = None,
) -> Any:
    if van and tot and tot < van:
        raise invalid("tot", "de einddatum ligt voor de begindatum")
    where = repository.VoorgesprekFilter(
        organisation_code=organisatie,
        province_code=provincie,
        start=van,
        end=tot,
        teamlid=teamlid,
        status=status_,
        theme=thema,
    )
    export = requested_format(request, formaat)
    async with sessions() as session:
        offset, limit = window(export, pagina, per_pagina)
        rows, total = await repository.list_voorgesprekken(
            session, where, offset=offset, limit=limit
        )
        names = await repository.organisation_names(session, {r.organisation_code for r in rows})
    if export:
        table = ExportTable(
            "voorgesprekken",
            EXPORT_COLUMNS,
            (
                [
                    r.id, r.organisation_code, names.get(r.organisation_code, ""), r.status,
                    r.held_on, r.start_time, r.mode, r.teamleden, r.themes, r.incident_count,
                    r.incident_categories, r.session_wish, r.session_format,
                    r.expected_participants,
                    "; ".join(f"{role}: {n}" for role, n in sorted(r.participants.items())),
                    r.version,
                ]
                for r in rows
            ),
        )  # fmt: skip
        return export_response(table, export)
    return VoorgesprekLijst(
        items=[public(row, names.get(row.organisation_code, "")) for row in rows],
        total=total,
        links=page_links(request, pagina, per_pagina, total),
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=VoorgesprekPublic,
    responses=problem_responses(422),
    summary="Leg een voorgesprek vast (gepland of gehouden)",
    description="Een gehouden voorgesprek met sessiewens 'ja' dient meteen een sessieverzoek in.",
)
async def create_voorgesprek(
    body: VoorgesprekIn,
    sessions: SessionsDep,
    cipher: CipherDep,
    principal: PrincipalDep,
    caller: CallerDep,
    response: Response,
) -> VoorgesprekPublic:
    content = body.content()
    if not is_coordinator(principal) and principal.subject not in content.teamleden:
        # A teamlid records the voorgesprekken they hold themselves.
        content = content.model_copy(update={"teamleden": [*content.teamleden, principal.subject]})
    item = voorgesprekken.NewVoorgesprek(
        content,
        follow_ups=[
            voorgesprekken.NewFollowUp(f.description, f.owner, f.due_on) for f in body.follow_ups
        ],
    )
    await voorgesprekken.create(sessions, cipher, caller, item, today=today())
    async with sessions() as session:
        answer = await _answer(session, item.id, response)
    response.headers["Location"] = f"/intake/api/v1/voorgesprekken/{item.id}"
    return answer


@router.get(
    "/{voorgesprek_id}",
    response_model=VoorgesprekPublic,
    responses=problem_responses(403, 404, 422),
    summary="Een voorgesprek",
    description="Met `metNotitie=true` ook de vertrouwelijke notitie (voor de coördinator en "
    "de teamleden van het gesprek); die inzage komt in het auditlogboek.",
)
async def get_voorgesprek(
    voorgesprek_id: uuid.UUID,
    sessions: SessionsDep,
    cipher: CipherDep,
    caller: CallerDep,
    response: Response,
    met_notitie: Annotated[
        bool, Query(alias="metNotitie", description="Ook de vertrouwelijke notitie.")
    ] = False,
) -> VoorgesprekPublic:
    async with sessions() as session:
        row = await _row_or_404(session, voorgesprek_id)
        names = await repository.organisation_names(session, {row.organisation_code})
    note = None
    if met_notitie:
        row, note = await voorgesprekken.with_note(
            sessions, cipher, caller, voorgesprek_id,
            refusal="Alleen de coördinator en de teamleden van dit voorgesprek zien de "
            "vertrouwelijke notitie.",
        )  # fmt: skip
    response.headers["ETag"] = etag(row.version)
    return public(row, names.get(row.organisation_code, ""), note)


@router.patch(
    "/{voorgesprek_id}",
    response_model=VoorgesprekPublic,
    responses=problem_responses(403, 404, 409, 422, 428),
    summary="Wijzig een voorgesprek",
    description="Alleen de meegestuurde velden veranderen. Geef de versie mee (If-Match of "
    "`version`); is die verouderd, dan volgt 409 en verandert er niets.",
)
async def update_voorgesprek(
    voorgesprek_id: uuid.UUID,
    body: VoorgesprekPatch,
    sessions: SessionsDep,
    cipher: CipherDep,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
) -> VoorgesprekPublic:
    sent = body.model_dump(exclude_unset=True)
    version = expected_version(if_match, sent.pop("version", None))
    try:
        await voorgesprekken.update(
            sessions, cipher, caller, voorgesprek_id, sent, expected_version=version, today=today()
        )
    except ValidationError as error:
        raise validation_problem(error.errors()) from None
    async with sessions() as session:
        return await _answer(session, voorgesprek_id, response)


@router.post(
    "/{voorgesprek_id}/annulering",
    response_model=VoorgesprekPublic,
    responses=problem_responses(403, 404, 409, 422, 428),
    summary="Annuleer een gepland voorgesprek",
)
async def cancel_voorgesprek(
    voorgesprek_id: uuid.UUID,
    sessions: SessionsDep,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
    version: Annotated[int | None, Query(description="Versie (of If-Match).")] = None,
) -> VoorgesprekPublic:
    expected = expected_version(if_match, version)
    await voorgesprekken.cancel(sessions, caller, voorgesprek_id, expected_version=expected)
    async with sessions() as session:
        return await _answer(session, voorgesprek_id, response)


@router.get(
    "/{voorgesprek_id}/geschiedenis",
    response_model=list[WijzigingPublic],
    responses=problem_responses(404, 422),
    summary="Wie wijzigde wat, en wanneer",
)
async def voorgesprek_history(voorgesprek_id: uuid.UUID, sessions: SessionsDep) -> Any:
    async with sessions() as session:
        await _row_or_404(session, voorgesprek_id)
        return await repository.history_of(session, voorgesprek_id)
