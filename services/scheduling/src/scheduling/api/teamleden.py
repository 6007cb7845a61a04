"""Teamleden and their availability; a teamlid manages their own availability."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from ontour import audit
from ontour.auth.access import require
from ontour.db import transaction
from ontour.service import SessionsDep
from ontour.web.api import (
    IfMatch,
    PrincipalDep,
    SubjectId,
    conflict,
    etag,
    expected_version,
    is_coordinator,
)
from ontour.web.problems import Problem, problem_responses
from sqlalchemy import update
from sqlmodel import col

from scheduling import repository
from scheduling.api.schemas import Beschikbaarheid, TeamlidIn, TeamlidPublic
from scheduling.models import TeamlidRow

router = APIRouter(prefix="/teamleden", tags=["teamleden"])


@router.get("", response_model=list[TeamlidPublic], summary="Teamleden")
async def list_teamleden(sessions: SessionsDep) -> Any:
    async with sessions() as session:
        return await repository.teamleden(session)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TeamlidPublic,
    responses=problem_responses(409, 422),
    summary="Nieuw teamlid",
)
async def create_teamlid(
    body: TeamlidIn, sessions: SessionsDep, request: Request, response: Response
) -> Any:
    async with transaction(sessions) as session:
        if await repository.get_teamlid(session, body.id) is not None:
            raise Problem(409, f"Er is al een teamlid met id {body.id}.")
        row = TeamlidRow(**body.model_dump())
        session.add(row)
        await session.flush()
        await audit.record(session, request, "aanmaken", "teamlid", body.id)
        await session.refresh(row)
    response.headers["ETag"] = etag(row.version)
    return row


@router.get(
    "/{teamlid_id}", response_model=TeamlidPublic, responses=problem_responses(404), summary="Eén"
)
async def get_teamlid(teamlid_id: SubjectId, sessions: SessionsDep, response: Response) -> Any:
    async with sessions() as session:
        row = await repository.get_teamlid(session, teamlid_id)
    if row is None:
        raise Problem(404, "Dit teamlid bestaat niet.")
    response.headers["ETag"] = etag(row.version)
    return row


@router.put(
    "/{teamlid_id}/beschikbaarheid",
    response_model=TeamlidPublic,
    responses=problem_responses(403, 404, 409, 422, 428),
    summary="Beschikbaarheid van een teamlid (ook: mijn beschikbaarheid)",
)
async def set_availability(
    teamlid_id: SubjectId,
    body: Beschikbaarheid,
    sessions: SessionsDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    require(
        principal,
        is_coordinator(principal) or principal.subject == teamlid_id,
        reason="U beheert alleen uw eigen beschikbaarheid.",
    )
    expected = expected_version(if_match, body.version)
    async with transaction(sessions) as session:
        row = await repository.get_teamlid(session, teamlid_id, for_update=True)
        if row is None:
            raise Problem(404, "Dit teamlid bestaat niet.")
        if row.version != expected:
            raise conflict(row.version)
        values: dict[str, Any] = {
            "unavailable_dates": sorted(set(body.unavailable_dates)),
            "preferred_weekdays": body.preferred_weekdays,
        }
        for name in ("max_per_week", "max_per_month"):
            if getattr(body, name) is not None:
                values[name] = getattr(body, name)
        await session.execute(
            update(TeamlidRow)
            .where(col(TeamlidRow.id) == teamlid_id)
            .values(**values, version=row.version + 1)
        )
        await audit.record(session, request, "wijzigen", "beschikbaarheid", teamlid_id)
        await session.refresh(row)
    response.headers["ETag"] = etag(row.version)
    return row
