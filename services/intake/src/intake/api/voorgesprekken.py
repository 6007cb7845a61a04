"""Voorgesprekken: record one that was held."""

from __future__ import annotations

import uuid
from datetime import date

from fastapi import APIRouter, Request, Response, status
from ontour import audit
from ontour.contracts.intake import VoorgesprekGehouden
from ontour.db import transaction
from ontour.messaging.outbox import enqueue
from ontour.service import SessionsDep
from ontour.web.problems import Problem, invalid, problem_responses

from intake import repository
from intake.api.schemas import VoorgesprekCreate, VoorgesprekPublic
from intake.domain.voorgesprek import DomainRuleBroken, check_held
from intake.models import Voorgesprek

router = APIRouter(prefix="/voorgesprekken", tags=["voorgesprekken"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=VoorgesprekPublic,
    responses=problem_responses(422),
    summary="Leg een gehouden voorgesprek vast",
)
async def record_held_voorgesprek(
    body: VoorgesprekCreate, sessions: SessionsDep, request: Request, response: Response
) -> Voorgesprek:
    try:
        check_held(body.held_on, date.today())
    except DomainRuleBroken as rule:
        raise invalid(rule.field, rule.reason) from None
    async with transaction(sessions) as session:
        voorgesprek = await repository.add_voorgesprek(session, Voorgesprek.model_validate(body))
        await audit.record(session, request, "aanmaken", "voorgesprek", str(voorgesprek.id))
        await enqueue(
            session,
            VoorgesprekGehouden(
                voorgesprek_id=voorgesprek.id,
                organisation_code=voorgesprek.organisation_code,
                held_on=voorgesprek.held_on,
                mode=voorgesprek.mode,
            ),
        )
    response.headers["Location"] = f"/intake/api/v1/voorgesprekken/{voorgesprek.id}"
    return voorgesprek


@router.get(
    "/{voorgesprek_id}",
    response_model=VoorgesprekPublic,
    responses=problem_responses(404, 422),
    summary="Een voorgesprek",
)
async def get_voorgesprek(voorgesprek_id: uuid.UUID, sessions: SessionsDep) -> Voorgesprek:
    async with sessions() as session:
        voorgesprek = await repository.get_voorgesprek(session, voorgesprek_id)
    if voorgesprek is None:
        raise Problem(404, "Dit voorgesprek bestaat niet.")
    return voorgesprek
