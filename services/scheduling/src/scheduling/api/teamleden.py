"""Teamleden and their availability; a teamlid manages their own availability.

Privacy between colleagues: a teamlid sees their own full profile but only the name,
background and languages of colleagues (no home, gender, unavailable dates or excluded
organisations); coordinators see everything.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from ontour import audit
from ontour.auth.access import require
from ontour.auth.principal import Principal
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
from scheduling.api.schemas import Beschikbaarheid, TeamlidIn, TeamlidKort, TeamlidPublic
from scheduling.models import TeamlidRow

router = APIRouter(prefix="/teamleden", tags=["teamleden"])


def profile_for(principal: Principal, row: TeamlidRow) -> TeamlidPublic | TeamlidKort:
    """The full profile for the teamlid themself and coordinators; colleagues see less."""
    if is_coordinator(principal) or principal.subject == row.id:
        return TeamlidPublic.model_validate(row)
    return TeamlidKort.model_validate(row)


@router.get(
    "",
    response_model=list[TeamlidPublic | TeamlidKort],
    summary="Teamleden",
    description="Coördinatoren zien de volledige profielen. Een teamlid ziet van zichzelf het "
    "volledige profiel en van collega's alleen naam, achtergrond en talen.",
)
async def list_teamleden(sessions: SessionsDep, principal: PrincipalDep) -> Any:
    async with sessions() as session:
        rows = await repository.teamleden(session)
    return [profile_for(principal, row) for row in rows]


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
    "/{teamlid_id}",
    response_model=TeamlidPublic | TeamlidKort,
    responses=problem_responses(404),
    summary="Eén teamlid",
    description="Het volledige profiel voor het teamlid zelf en coördinatoren; andere "
    "teamleden zien alleen naam, achtergrond en talen.",
)
async def get_teamlid(
    teamlid_id: SubjectId, sessions: SessionsDep, principal: PrincipalDep, response: Response
) -> Any:
    async with sessions() as session:
        row = await repository.get_teamlid(session, teamlid_id)
    if row is None:
        raise Problem(404, "Dit teamlid bestaat niet.")
    profile = profile_for(principal, row)
    if isinstance(profile, TeamlidPublic):
        response.headers["ETag"] = etag(row.version)
    return profile


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
