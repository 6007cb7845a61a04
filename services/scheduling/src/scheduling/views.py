"""What the API and the pages of scheduling share at the edge: the running planner rounds, a
round as shown, and turning a validated request body (:mod:`scheduling.schemas`) into a call of
the use cases, with the checks only the edge can make (a date in the past, the version the
change is based on, who may change whose availability). Both edges call this; neither calls
the other, and nothing here changes state except through the use cases.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from ontour.audit import Caller
from ontour.auth.access import require
from ontour.auth.principal import Principal
from ontour.clock import today
from ontour.db import Sessions
from ontour.web.api import expected_version, is_coordinator
from ontour.web.problems import Problem, invalid

from scheduling import repository
from scheduling.config import Settings
from scheduling.models import PlannerRun, TeamlidRow
from scheduling.schemas import (
    Beschikbaarheid,
    PlanningInCijfers,
    PlanningPublic,
    PlanningStart,
    SessieWijziging,
    Uitkomst,
    UitkomstVelden,
)
from scheduling.usecases import planning, sessions, teamleden


def running_runs(request: Request) -> planning.RunningRuns:
    state = request.app.state
    if not hasattr(state, "planner_runs"):
        state.planner_runs = planning.RunningRuns()
    runs: planning.RunningRuns = state.planner_runs
    return runs


def public(run: PlannerRun) -> PlanningPublic:
    """A run as the API and the page show it: the plan's stored figures lifted out."""
    shown = PlanningPublic.model_validate(run)
    result = dict(run.result) if run.result is not None else None
    figures = result.pop("summary", None) if result is not None else None
    summary = PlanningInCijfers.model_validate(figures) if figures else None
    return shown.model_copy(update={"result": result, "summary": summary})


async def run_or_404(database: Sessions, run_id: uuid.UUID) -> PlannerRun:
    async with database() as db:
        run = await repository.get_run(db, run_id)
    if run is None:
        raise Problem(404, planning.MISSING)
    return run


async def start_run(
    body: PlanningStart, database: Sessions, caller: Caller, settings: Settings, request: Request
) -> PlannerRun:
    """Start a planner round in the background (a ``plan_from`` in the past is a 422)."""
    limit = body.time_limit_seconds or settings.planner_time_limit_seconds
    if body.plan_from is not None and body.plan_from < today():
        raise invalid("plan_from", "ligt in het verleden")
    plan_from = body.plan_from or planning.default_plan_from(today())
    return await planning.start(
        database, caller, settings, running_runs(request), plan_from=plan_from, time_limit=limit,
        smallest_change=body.replan,
    )  # fmt: skip


def outcome_of(body: UitkomstVelden) -> sessions.Outcome:
    return sessions.Outcome(
        participants=body.participants,
        evaluation_score=body.evaluation_score,
        evaluation_remarks=body.evaluation_remarks,
        follow_up_wishes=tuple(body.follow_up_wishes),
    )


async def change_session(
    database: Sessions,
    caller: Caller,
    settings: Settings,
    session_id: uuid.UUID,
    body: SessieWijziging,
    if_match: str | None = None,
) -> None:
    """A session changed by hand, from the version in ``If-Match`` or the body."""
    wanted = sessions.Change(
        on=body.on,
        members=tuple(body.members) if body.members is not None else None,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        location=body.location,
    )
    expected = expected_version(if_match, body.version)
    await sessions.change(database, caller, settings, session_id, wanted, expected_version=expected)


async def record_outcome(
    database: Sessions,
    caller: Caller,
    session_id: uuid.UUID,
    body: Uitkomst,
    if_match: str | None = None,
) -> None:
    """The outcome of a held session, from the version in ``If-Match`` or the body."""
    expected = expected_version(if_match, body.version)
    await sessions.record_outcome(
        database, caller, session_id, outcome_of(body), expected_version=expected
    )


async def new_feed(database: Sessions, caller: Caller, settings: Settings, teamlid_id: str) -> str:
    """A new secret calendar feed address for the teamlid (older ones stop working)."""
    token = await teamleden.new_feed(database, caller, teamlid_id)
    return f"{settings.public_base_url.rstrip('/')}/scheduling/agenda/{token}.ics"


async def set_availability(
    database: Sessions,
    principal: Principal,
    caller: Caller,
    teamlid_id: str,
    body: Beschikbaarheid,
    if_match: str | None = None,
) -> TeamlidRow:
    """A teamlid's availability, by themself or a coordinator (403 for anyone else)."""
    require(
        principal,
        is_coordinator(principal) or principal.subject == teamlid_id,
        reason="U beheert alleen uw eigen beschikbaarheid.",
    )
    expected = expected_version(if_match, body.version)
    values: dict[str, Any] = {
        "unavailable_dates": sorted(set(body.unavailable_dates)),
        "preferred_weekdays": body.preferred_weekdays,
    }
    for name in ("max_per_week", "max_per_month"):
        if getattr(body, name) is not None:
            values[name] = getattr(body, name)
    return await teamleden.update(
        database, caller, teamlid_id, values,
        expected_version=expected, audited_as="beschikbaarheid",
    )  # fmt: skip
