"""Planner runs: start one in the background, follow its progress, cancel it, adopt its plan.

A run is a row (status, progress, result) plus, in the process that started it, a solver
thread with a cancel flag. A re-plan (after a cancellation or a new unavailability) keeps
every proposed session that still satisfies every hard rule and plans only the rest, in
seconds; a full run plans all open and proposed requests again, preferring their current
evening and team. The run's plan is a proposal: adopting it makes sessions in
status *voorgesteld*; confirming a session makes it *bevestigd* and publishes
"sessie gepland". Only hard-rule-checked changes reach the sessions.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ontour.application.errors import Conflict, NotFound
from ontour.application.unit_of_work import UnitOfWork, unit_of_work
from ontour.audit import Caller
from ontour.contracts.scheduling import SessieVoorgesteld
from ontour.db import Sessions
from ontour.events import EventData
from ontour.observability.logging import get_logger
from sqlmodel.ext.asyncio.session import AsyncSession

from scheduling import repository
from scheduling.calendar_rows import sequence_after
from scheduling.config import Settings
from scheduling.domain.model import Assignment, FixedSession, PlanningProblem
from scheduling.domain.result import Plan
from scheduling.domain.summary import PlanSummary
from scheduling.models import PlannerRun, SessionRequestRow, SessionRow
from scheduling.problem_rows import planner_settings, request_of, teamlid_of
from scheduling.usecases.sessions import cancelled_event

log = get_logger(__name__)
RUNNING, DONE, CANCELLED, FAILED = "bezig", "klaar", "afgebroken", "mislukt"
MISSING = "Deze planningsronde bestaat niet."


async def build_problem(
    db: AsyncSession, settings: Settings, *, plan_from: date, time_limit: float
) -> PlanningProblem:
    """Open requests, the proposed sessions (planned again, preferring their current evening
    and team: the smallest change), active teamleden and the confirmed sessions (fixed)."""
    members = [teamlid_of(row) for row in await repository.teamleden(db, active_only=True)]
    proposed = await repository.sessions_with_status(db, ["voorgesteld"])
    proposed_ids = {s.request_id for s in proposed}
    open_rows = await repository.open_requests(db) + [
        r for r in await repository.all_requests(db) if r.id in proposed_ids
    ]
    places = await repository.organisations(db, {r.organisation_code for r in open_rows})
    requests = [
        request
        for row in open_rows
        if (request := request_of(row, places.get(row.organisation_code))) is not None
    ]
    confirmed = await repository.sessions_with_status(db, ["bevestigd"])
    fixed = [
        FixedSession(str(s.id), s.organisation_code, s.on, tuple(s.members)) for s in confirmed
    ]
    planned = {r.id for r in requests}
    previous = [
        Assignment(str(s.request_id), s.on, tuple(s.members))
        for s in proposed
        if str(s.request_id) in planned and s.on >= plan_from
    ]
    return PlanningProblem(
        members=tuple(members),
        requests=tuple(requests),
        settings=planner_settings(settings, plan_from, time_limit),
        fixed_sessions=tuple(fixed),
        previous=tuple(previous),
    )


def summary_as_json(summary: PlanSummary) -> dict[str, Any]:
    """The plan's figures as stored; the API shows them in camelCase (``PlanningInCijfers``)."""
    return {
        "requests": summary.requests,
        "planned": summary.planned,
        "unplanned": summary.unplanned,
        "unplanned_by_reason": [
            {"reason": reason.value, "count": count}
            for reason, count in sorted(summary.unplanned_by_reason.items(), key=lambda rc: -rc[1])
        ],
        "km_total": summary.km_total,
        "evenings_min": summary.evenings_min,
        "evenings_max": summary.evenings_max,
        "members": [
            {
                "member_id": m.member_id,
                "name": m.name,
                "planned": m.planned,
                "confirmed": m.confirmed,
                "evenings": m.evenings,
                "km": m.km,
            }
            for m in summary.members
        ],
        "unmet_wishes": [
            {
                "request_id": w.request_id,
                "organisation_name": w.organisation_name,
                "on": w.on.isoformat(),
                "kind": w.kind.value,
                "member_name": w.member_name,
            }
            for w in summary.unmet_wishes
        ],
        "changes": [
            {
                "request_id": c.request_id,
                "organisation_name": c.organisation_name,
                "kind": c.kind.value,
                "previous_on": c.previous_on.isoformat(),
                "on": c.on.isoformat() if c.on else None,
                "replaced": list(c.replaced),
            }
            for c in summary.changes
        ],
        "unchanged": summary.unchanged,
        "new": summary.new,
        "weights": dict(summary.weights.as_dict()),
    }


def plan_as_json(
    result: Plan, problem: PlanningProblem, *, smallest_change: bool = False
) -> dict[str, Any]:
    """A run's result as stored (and shown): sessions with explanations, unplanned with reasons,
    the figures a coordinator weighs, the solver's raw score and whether it was a re-plan."""
    names = {m.id: m.label for m in problem.members}
    requests = problem.requests_by_id
    return {
        "replan": smallest_change,
        "status": result.status.value,
        "status_label": result.status.label,
        "best_so_far": result.status.best_so_far,
        "score": {
            "hard": result.score.hard,
            "soft": result.score.soft,
            "components": {
                c.component.value: {"raw": c.raw, "weight": c.weight, "weighted": c.weighted}
                for c in result.score.components
            },
        },
        "gap": result.solver.gap if result.solver else None,
        "summary": summary_as_json(result.summary),
        "sessions": [
            {
                "request_id": s.assignment.request_id,
                "organisation_code": requests[s.assignment.request_id].organisation_code,
                "organisation_name": requests[s.assignment.request_id].organisation_name,
                "on": s.assignment.date.isoformat(),
                "members": list(s.assignment.member_ids),
                "member_names": [names.get(m, m) for m in s.assignment.member_ids],
                "explanation": list(s.explanation),
            }
            for s in result.sessions
        ],
        "unplanned": [
            {
                "request_id": u.request_id,
                "organisation_name": requests[u.request_id].organisation_name,
                "reason": u.reason.value,
                "explanation": u.explanation,
            }
            for u in result.unplanned
        ],
    }


@dataclass
class RunningRuns:
    """The runs this process is solving: their cancel flags and latest progress."""

    cancels: dict[uuid.UUID, threading.Event] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


async def _save_progress(database: Sessions, run_id: uuid.UUID, progress: dict[str, Any]) -> None:
    async with unit_of_work(database) as work:
        await repository.save_progress(work.session, run_id, progress)


async def solve_run(
    database: Sessions,
    runs: RunningRuns,
    run_id: uuid.UUID,
    problem: PlanningProblem,
    *,
    smallest_change: bool = False,
) -> None:
    """Solve in a worker thread; progress and the result land on the run's row. With
    ``smallest_change`` the proposed sessions that still hold stay as they are."""
    loop = asyncio.get_running_loop()
    cancel = runs.cancels.setdefault(run_id, threading.Event())

    # Imported here, not at the top: only a planner run needs it, and every process start (and
    # every rolling restart) would pay for loading it (tests/test_import_cost.py).
    from scheduling.domain.planner import Progress, plan, replan

    def report(progress: Progress) -> None:
        snapshot = {
            "objective": progress.objective,
            "best_bound": progress.best_bound,
            "elapsed_seconds": round(progress.elapsed_seconds, 1),
            "solutions": progress.solutions,
        }
        asyncio.run_coroutine_threadsafe(_save_progress(database, run_id, snapshot), loop)

    try:
        solve = replan if smallest_change else plan
        result = await asyncio.to_thread(solve, problem, on_progress=report, cancel=cancel)
        status = CANCELLED if cancel.is_set() else DONE
        payload = plan_as_json(result, problem, smallest_change=smallest_change)
    except Exception as exc:  # the run says it failed; the service goes on
        log.error("planner run failed", run_id=str(run_id), error=exc.__class__.__name__)
        status, payload = FAILED, None
    finally:
        runs.cancels.pop(run_id, None)
    async with unit_of_work(database) as work:
        await repository.finish_run(work.session, run_id, status, payload)


def session_rows_from_plan(
    payload: dict[str, Any], settings: Settings, requests: dict[str, SessionRequestRow]
) -> list[SessionRow]:
    rows = []
    for planned in payload["sessions"]:
        request = requests.get(planned["request_id"])
        if request is None:
            continue
        rows.append(
            SessionRow(
                request_id=request.id,
                organisation_code=request.organisation_code,
                on=date.fromisoformat(planned["on"]),
                starts_at=settings.session_starts_at,
                ends_at=settings.session_ends_at,
                session_format=request.session_format,
                members=list(planned["members"]),
                status="voorgesteld",
                explanation=list(planned["explanation"]),
            )
        )
    return rows


def proposed_events(rows: Sequence[SessionRow]) -> list[EventData]:
    return [
        SessieVoorgesteld(
            session_id=row.id,
            request_id=row.request_id,
            organisation_code=row.organisation_code,
            revision=row.version,
            on=row.on,
            team_size=len(row.members),
        )
        for row in rows
    ]


async def _adopt_plan(work: UnitOfWork, run: PlannerRun, settings: Settings) -> list[SessionRow]:
    """Turn a finished run's plan into proposed sessions.

    A request that already has a proposed session keeps that session (and so its calendar
    UID): only its evening and team change when the new plan moved it. A proposal the new
    plan no longer contains is cancelled.
    """
    db = work.session
    current = await repository.sessions_with_status(db, ["voorgesteld"])
    proposed = {s.request_id: s for s in current}
    still_open = {str(r.id): r for r in await repository.open_requests(db)}
    for request_id in proposed:
        request = await repository.get_request(db, request_id)
        if request is not None:
            still_open[str(request_id)] = request
    planned = session_rows_from_plan(run.result or {"sessions": []}, settings, still_open)
    events: list[EventData] = []
    result: list[SessionRow] = []
    for row in planned:
        existing = proposed.pop(row.request_id, None)
        if existing is None:
            db.add(row)
            result.append(row)
            continue
        if (existing.on, existing.members) != (row.on, row.members):
            existing.sequence = sequence_after(existing, on=row.on)
            existing.on, existing.members = row.on, row.members
            existing.explanation = row.explanation
            existing.version += 1
            existing.updated_at = datetime.now(UTC)
            db.add(existing)
        result.append(existing)
    for left_over in proposed.values():
        left_over.sequence = sequence_after(left_over, status="geannuleerd")
        left_over.status = "geannuleerd"
        left_over.version += 1
        db.add(left_over)
        events.append(cancelled_event(left_over, left_over.version))
    run.adopted = True
    db.add(run)
    await db.flush()
    work.enqueue(*proposed_events(result), *events)
    return result


def default_plan_from(today: date) -> date:
    """Plans start a week ahead: nobody is asked to come to a session tomorrow."""
    return today + timedelta(days=7)


async def start(
    database: Sessions,
    caller: Caller,
    settings: Settings,
    runs: RunningRuns,
    *,
    plan_from: date,
    time_limit: float,
    smallest_change: bool = False,
) -> PlannerRun:
    """Record a new run and solve it in the background; one run at a time. Confirmed
    sessions always stay; with ``smallest_change`` (a re-plan) so do the proposed sessions
    that still satisfy every hard rule."""
    async with unit_of_work(database, caller) as work:
        db = work.session
        await repository.lock_run_start(db)
        if await repository.runs_in_progress(db):
            # In its own words: a shared Refused would answer "Dit kan niet: …".
            raise Conflict("Er loopt al een planningsronde; wacht tot die klaar is.")
        problem = await build_problem(db, settings, plan_from=plan_from, time_limit=time_limit)
        started_by = caller.signed_in.display_name
        run = PlannerRun(status=RUNNING, started_by=started_by, time_limit_seconds=time_limit)
        db.add(run)
        await db.flush()
        await work.audit("starten", "planning", str(run.id))
        await db.refresh(run)
    task = asyncio.create_task(
        solve_run(database, runs, run.id, problem, smallest_change=smallest_change),
        name=f"planner-{run.id}",
    )
    runs.tasks.add(task)
    task.add_done_callback(runs.tasks.discard)
    return run


async def cancel(database: Sessions, runs: RunningRuns, run_id: uuid.UUID) -> PlannerRun:
    """Ask the solver to stop; its best plan so far becomes the run's result."""
    async with database() as db:
        run = await repository.get_run(db, run_id)
    if run is None:
        raise NotFound(MISSING)
    flag = runs.cancels.get(run_id)
    if run.status != RUNNING or flag is None:
        raise Conflict("Deze ronde loopt niet (meer) in deze dienst.")
    flag.set()
    return run


async def adopt(
    database: Sessions, caller: Caller, settings: Settings, run_id: uuid.UUID
) -> list[SessionRow]:
    async with unit_of_work(database, caller) as work:
        run = await repository.get_run(work.session, run_id, for_update=True)
        if run is None:
            raise NotFound(MISSING)
        if run.status not in (DONE, CANCELLED) or run.adopted:
            raise Conflict(
                "Alleen een afgeronde, nog niet overgenomen ronde kan worden overgenomen."
            )
        rows = await _adopt_plan(work, run, settings)
        await work.audit("overnemen", "planning", str(run_id))
    return rows
