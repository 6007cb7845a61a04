"""Planner runs: start one in the background, follow it, cancel it, adopt its plan."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response, status
from ontour import audit
from ontour.clock import today
from ontour.db import transaction
from ontour.service import SessionsDep
from ontour.web.api import PrincipalDep
from ontour.web.problems import Problem, invalid, problem_responses

from scheduling import planning, repository
from scheduling.api.schemas import PlanningPublic, PlanningStart, SessiePublic
from scheduling.models import PlannerRun

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
    "blijven staan. Volg de voortgang op het adres in Location.",
)
async def start_run(
    body: PlanningStart,
    sessions: SessionsDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
) -> PlannerRun:
    settings = request.app.state.runtime.settings
    limit = body.time_limit_seconds or settings.planner_time_limit_seconds
    if body.plan_from is not None and body.plan_from < today():
        raise invalid("plan_from", "ligt in het verleden")
    plan_from = body.plan_from or planning.default_plan_from(today())
    async with transaction(sessions) as session:
        await repository.lock_run_start(session)
        if await repository.runs_in_progress(session):
            raise Problem(409, "Er loopt al een planningsronde; wacht tot die klaar is.")
        problem = await planning.build_problem(
            session, settings, plan_from=plan_from, time_limit=limit
        )
        run = PlannerRun(status=planning.RUNNING, started_by=principal.display_name,
                         time_limit_seconds=limit)  # fmt: skip
        session.add(run)
        await session.flush()
        await audit.record(session, request, "starten", "planning", str(run.id))
        await session.refresh(run)
    runs = running_runs(request)
    task = asyncio.create_task(
        planning.solve_run(sessions, runs, run.id, problem), name=f"planner-{run.id}"
    )
    runs.tasks.add(task)
    task.add_done_callback(runs.tasks.discard)
    response.headers["Location"] = f"/scheduling/api/v1/planningen/{run.id}"
    return run


async def _run_or_404(sessions: Any, run_id: uuid.UUID) -> PlannerRun:
    async with sessions() as session:
        run = await repository.get_run(session, run_id)
    if run is None:
        raise Problem(404, "Deze planningsronde bestaat niet.")
    return run


@router.get(
    "/{run_id}",
    response_model=PlanningPublic,
    responses=problem_responses(404, 422),
    summary="Voortgang en resultaat van een planningsronde",
)
async def get_run(run_id: uuid.UUID, sessions: SessionsDep) -> PlannerRun:
    return await _run_or_404(sessions, run_id)


@router.post(
    "/{run_id}/annulering",
    response_model=PlanningPublic,
    responses=problem_responses(404, 409, 422),
    summary="Breek een lopende ronde af (de beste planning tot dan toe blijft)",
)
async def cancel_run(run_id: uuid.UUID, sessions: SessionsDep, request: Request) -> PlannerRun:
    run = await _run_or_404(sessions, run_id)
    flag = running_runs(request).cancels.get(run_id)
    if run.status != planning.RUNNING or flag is None:
        raise Problem(409, "Deze ronde loopt niet (meer) in deze dienst.")
    flag.set()
    return run


@router.post(
    "/{run_id}/overname",
    response_model=list[SessiePublic],
    responses=problem_responses(404, 409, 422),
    summary="Neem de planning over als voorgestelde sessies",
)
async def adopt_run(run_id: uuid.UUID, sessions: SessionsDep, request: Request) -> Any:
    settings = request.app.state.runtime.settings
    async with transaction(sessions) as session:
        run = await repository.get_run(session, run_id, for_update=True)
        if run is None:
            raise Problem(404, "Deze planningsronde bestaat niet.")
        if run.status not in (planning.DONE, planning.CANCELLED) or run.adopted:
            raise Problem(409, "Alleen een afgeronde, nog niet overgenomen ronde kan worden "
                               "overgenomen.")  # fmt: skip
        rows = await planning.adopt(session, run, settings)
        await audit.record(session, request, "overnemen", "planning", str(run_id))
        return [SessiePublic.model_validate(row) for row in rows]
