"""Planner runs: start one in the background, follow it, cancel it, adopt its plan."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response, status
from ontour.clock import today
from ontour.db import Sessions
from ontour.service import SessionsDep
from ontour.web.api import CallerDep
from ontour.web.problems import Problem, invalid, problem_responses

from scheduling import repository
from scheduling.api.schemas import PlanningInCijfers, PlanningPublic, PlanningStart, SessiePublic
from scheduling.dependencies import SettingsDep
from scheduling.models import PlannerRun
from scheduling.usecases import planning

router = APIRouter(prefix="/planningen", tags=["planningen"])


def running_runs(request: Request) -> planning.RunningRuns:
    state = request.app.state
    if not hasattr(state, "planner_runs"):
        state.planner_runs = planning.RunningRuns()
    runs: planning.RunningRuns = state.planner_runs
    return runs


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
    limit = body.time_limit_seconds or settings.planner_time_limit_seconds
    if body.plan_from is not None and body.plan_from < today():
        raise invalid("plan_from", "ligt in het verleden")
    plan_from = body.plan_from or planning.default_plan_from(today())
    run = await planning.start(
        database,
        caller,
        settings,
        running_runs(request),
        plan_from=plan_from,
        time_limit=limit,
        smallest_change=body.replan,
    )
    response.headers["Location"] = f"/scheduling/api/v1/planningen/{run.id}"
    return public(run)


def public(run: PlannerRun) -> PlanningPublic:
    """A run as the API shows it: the plan's stored figures lifted out of the result."""
    shown = PlanningPublic.model_validate(run)
    result = dict(run.result) if run.result is not None else None
    figures = result.pop("summary", None) if result is not None else None
    summary = PlanningInCijfers.model_validate(figures) if figures else None
    return shown.model_copy(update={"result": result, "summary": summary})


async def _run_or_404(database: Sessions, run_id: uuid.UUID) -> PlannerRun:
    async with database() as db:
        run = await repository.get_run(db, run_id)
    if run is None:
        raise Problem(404, planning.MISSING)
    return run


@router.get(
    "/{run_id}",
    response_model=PlanningPublic,
    responses=problem_responses(404, 422),
    summary="Voortgang en resultaat van een planningsronde",
)
async def get_run(run_id: uuid.UUID, database: SessionsDep) -> PlanningPublic:
    return public(await _run_or_404(database, run_id))


@router.post(
    "/{run_id}/annulering",
    response_model=PlanningPublic,
    responses=problem_responses(404, 409, 422),
    summary="Breek een lopende ronde af (de beste planning tot dan toe blijft)",
)
async def cancel_run(run_id: uuid.UUID, database: SessionsDep, request: Request) -> PlanningPublic:
    return public(await planning.cancel(database, running_runs(request), run_id))


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
