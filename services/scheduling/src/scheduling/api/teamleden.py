"""Teamleden and their availability; a teamlid manages their own availability.

Privacy between colleagues: a teamlid sees their own full profile but only the name,
background and languages of colleagues (no home, gender, unavailable dates or excluded
organisations); coordinators see everything.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status
from ontour.auth.principal import Principal
from ontour.service import SessionsDep
from ontour.web.api import (
    CallerDep,
    IfMatch,
    PrincipalDep,
    SubjectId,
    etag,
    is_coordinator,
)
from ontour.web.problems import Problem, problem_responses

from scheduling import repository, views
from scheduling.models import TeamlidRow
from scheduling.schemas import Beschikbaarheid, TeamlidIn, TeamlidKort, TeamlidPublic
from scheduling.usecases import teamleden

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
async def list_teamleden(database: SessionsDep, principal: PrincipalDep) -> Any:
    async with database() as db:
        rows = await repository.teamleden(db)
    return [profile_for(principal, row) for row in rows]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TeamlidPublic,
    responses=problem_responses(409, 422),
    summary="Nieuw teamlid",
)
async def create_teamlid(
    body: TeamlidIn, database: SessionsDep, caller: CallerDep, response: Response
) -> Any:
    row = await teamleden.create(database, caller, body.model_dump())
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
    teamlid_id: SubjectId, database: SessionsDep, principal: PrincipalDep, response: Response
) -> Any:
    async with database() as db:
        row = await repository.get_teamlid(db, teamlid_id)
    if row is None:
        raise Problem(404, teamleden.MISSING)
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
    database: SessionsDep,
    principal: PrincipalDep,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    row = await views.set_availability(database, principal, caller, teamlid_id, body, if_match)
    response.headers["ETag"] = etag(row.version)
    return row
