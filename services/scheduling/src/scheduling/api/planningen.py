"""Planner runs: start one in the background, follow it, cancel it, adopt its plan."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response, status
from ontour.service import SessionsDep
from ontour.web.api import CallerDep
from ontour.web.problems import problem_responses

from scheduling import views
from scheduling.dependencies import SettingsDep
from scheduling.schemas import PlanningPublic, PlanningStart, SessiePublic
from scheduling.usecases import planning
from scheduling.views import public

router = APIRouter(prefix="/planningen", tags=["planningen"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PlanningPublic,
    responses=problem_responses(409, 422),
    summary="Start een planningsronde (op de achtergrond)",
    description="Plant de open verzoeken met de beschikbare teamleden; bevestigde sessies "
    "blijven staan. Met replan blijven ook de voorgestelde sessies staan die nog kloppen "
    "(herplannen na één wijziging, in seconden). Volg de voortgang op het adres in Location.",
)
async def start_run(
    body: PlanningStart,
    database: SessionsDep,
    caller: CallerDep,
    settings: SettingsDep,
    request: Request,
    response: Response,
) -> PlanningPublic:
    run = await views.start_run(body, database, caller, settings, request)
    response.headers["Location"] = f"/scheduling/api/v1/planningen/{run.id}"
    return public(run)


@router.get(
    "/{run_id}",
    response_model=PlanningPublic,
    responses=problem_responses(404, 422),
    summary="Voortgang en resultaat van een planningsronde",
)
async def get_run(run_id: uuid.UUID, database: SessionsDep) -> PlanningPublic:
    return public(await views.run_or_404(database, run_id))


@router.post(
    "/{run_id}/annulering",
    response_model=PlanningPublic,
    responses=problem_responses(404, 409, 422),
    summary="Breek een lopende ronde af (de beste planning tot dan toe blijft)",
)
async def cancel_run(run_id: uuid.UUID, database: SessionsDep, request: Request) -> PlanningPublic:
    return public(await planning.cancel(database, views.running_runs(request), run_id))


@router.post(
    "/{run_id}/overname",
    response_model=list[SessiePublic],
    responses=problem_responses(404, 409, 422),
    summary="Neem de planning over als voorgestelde sessies",
)
async def adopt_run(
    run_id: uuid.UUID, database: SessionsDep, caller: CallerDep, settings: SettingsDep
) -> Any:
    rows = await planning.adopt(database, caller, settings, run_id)
    return [SessiePublic.model_validate(row) for row in rows]
