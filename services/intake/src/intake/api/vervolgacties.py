"""Follow-up actions (vervolgacties): who does what by when.

A coordinator manages all of them; a teamlid creates their own and changes the ones they
own. ``mijn=true`` lists the caller's own ("mijn acties").
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from ontour.contracts.intake import ORGANISATION_CODE
from ontour.service import SessionsDep
from ontour.web.api import (
    PRINTABLE,
    CallerDep,
    Formaat,
    IfMatch,
    Pagina,
    PerPagina,
    PrincipalDep,
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
from ontour.web.problems import problem_responses

from intake import repository
from intake.models import FollowUp
from intake.schemas import (
    VervolgactieLijst,
    VervolgactieNieuw,
    VervolgactiePublic,
    VervolgactieWijziging,
)
from intake.usecases import follow_ups

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
    body: VervolgactieNieuw, sessions: SessionsDep, caller: CallerDep, response: Response
) -> FollowUp:
    row = await follow_ups.create(sessions, caller, **body.model_dump())
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
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
) -> FollowUp:
    sent = body.model_dump(exclude_unset=True)
    expected = expected_version(if_match, sent.pop("version", None))
    row = await follow_ups.change(sessions, caller, follow_up_id, sent, expected_version=expected)
    response.headers["ETag"] = etag(row.version)
    return row
