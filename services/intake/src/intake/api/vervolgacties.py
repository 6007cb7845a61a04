"""Follow-up actions (vervolgacties): who does what by when.

A coordinator manages all of them; a teamlid creates their own and changes the ones they
own. ``mijn=true`` lists the caller's own ("mijn acties").
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from ontour import audit
from ontour.auth.access import require
from ontour.contracts.intake import ORGANISATION_CODE
from ontour.db import transaction
from ontour.service import SessionsDep
from ontour.web.api import (
    PRINTABLE,
    Formaat,
    IfMatch,
    Pagina,
    PerPagina,
    PrincipalDep,
    conflict,
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
from ontour.web.problems import Problem, invalid, problem_responses

from intake import repository
from intake.api.schemas import (
    VervolgactieLijst,
    VervolgactieNieuw,
    VervolgactiePublic,
    VervolgactieWijziging,
)
from intake.models import FollowUp, TimelineEntry

router = APIRouter(prefix="/vervolgacties", tags=["vervolgacties"])

EXPORT_COLUMNS = ("id", "organisatie", "voorgesprek", "actie", "eigenaar", "uiterlijk", "afgerond")


@router.get(
    "",
    response_model=VervolgactieLijst,
    responses={**problem_responses(422), **EXPORT_RESPONSES},
    summary="Vervolgacties",
    description="Open acties eerst, op deadline. `mijn=true`: alleen die van u.",
)
async def list_follow_ups(
    request: Request,
    sessions: SessionsDep,
    principal: PrincipalDep,
    mijn: Annotated[bool, Query(description="Alleen mijn acties.")] = False,
    eigenaar: Annotated[
        str | None,
        Query(min_length=1, max_length=100, pattern=PRINTABLE, description="Van dit teamlid."),
    ] = None,
    organisatie: Annotated[
        str | None, Query(pattern=ORGANISATION_CODE, description="Bij deze organisatie.")
    ] = None,
    voorgesprek: Annotated[uuid.UUID | None, Query(description="Bij dit voorgesprek.")] = None,
    open_: Annotated[bool, Query(alias="open", description="Alleen open acties.")] = False,
    pagina: Pagina = 1,
    per_pagina: PerPagina = 50,
    formaat: Formaat = None,
) -> Any:
    where = repository.FollowUpFilter(
        owner=principal.subject if mijn else eigenaar,
        organisation_code=organisatie,
        voorgesprek_id=voorgesprek,
        open_only=open_,
    )
    export = requested_format(request, formaat)
    async with sessions() as session:
        offset, limit = window(export, pagina, per_pagina)
        rows, total = await repository.list_follow_ups(session, where, offset=offset, limit=limit)
    if export:
        table = ExportTable(
            "vervolgacties",
            EXPORT_COLUMNS,
            (
                [r.id, r.organisation_code, r.voorgesprek_id, r.description, r.owner, r.due_on,
                 r.done_at]
                for r in rows
            ),
        )  # fmt: skip
        return export_response(table, export)
    return VervolgactieLijst(
        items=[VervolgactiePublic.model_validate(row) for row in rows],
        total=total,
        links=page_links(request, pagina, per_pagina, total),
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=VervolgactiePublic,
    responses=problem_responses(403, 422),
    summary="Nieuwe vervolgactie",
)
async def create_follow_up(
    body: VervolgactieNieuw,
    sessions: SessionsDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
) -> FollowUp:
    require(
        principal,
        is_coordinator(principal) or body.owner == principal.subject,
        reason="Een teamlid maakt alleen eigen vervolgacties aan.",
    )
    async with transaction(sessions) as session:
        if await repository.get_organisation(session, body.organisation_code) is None:
            raise invalid("organisation_code", "deze organisatie bestaat niet")
        if body.voorgesprek_id is not None:
            voorgesprek = await repository.get_voorgesprek(session, body.voorgesprek_id)
            if voorgesprek is None or voorgesprek.organisation_code != body.organisation_code:
                raise invalid("voorgesprek_id", "dit voorgesprek bestaat niet bij deze organisatie")
        row = FollowUp(**body.model_dump(), created_by=principal.subject)
        session.add(row)
        session.add(
            TimelineEntry(
                organisation_code=body.organisation_code,
                kind="vervolgactie",
                summary="Vervolgactie toegevoegd",
                actor=principal.display_name,
                object_id=str(row.id),
            )
        )
        await session.flush()
        await audit.record(session, request, "aanmaken", "vervolgactie", str(row.id))
        await session.refresh(row)
    response.headers["Location"] = f"/intake/api/v1/vervolgacties/{row.id}"
    response.headers["ETag"] = etag(row.version)
    return row


@router.patch(
    "/{follow_up_id}",
    response_model=VervolgactiePublic,
    responses=problem_responses(403, 404, 409, 422, 428),
    summary="Wijzig of rond een vervolgactie af",
)
async def update_follow_up(
    follow_up_id: uuid.UUID,
    body: VervolgactieWijziging,
    sessions: SessionsDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> FollowUp:
    sent = body.model_dump(exclude_unset=True)
    expected = expected_version(if_match, sent.pop("version", None))
    async with transaction(sessions) as session:
        row = await repository.get_follow_up(session, follow_up_id, for_update=True)
        if row is None:
            raise Problem(404, "Deze vervolgactie bestaat niet.")
        require(
            principal,
            is_coordinator(principal) or row.owner == principal.subject,
            reason="U kunt alleen uw eigen vervolgacties wijzigen.",
        )
        if row.version != expected:
            raise conflict(row.version)
        if "owner" in sent and not is_coordinator(principal) and sent["owner"] != row.owner:
            raise Problem(403, "Alleen de coördinator geeft een actie aan een ander.")
        done = sent.pop("done", None)
        if done is not None:
            sent["done_at"] = (row.done_at or datetime.now(UTC)) if done else None
        await repository.update_follow_up(session, row, sent, principal.display_name)
        await audit.record(session, request, "wijzigen", "vervolgactie", str(follow_up_id))
        await session.refresh(row)
    response.headers["ETag"] = etag(row.version)
    return row
