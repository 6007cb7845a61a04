"""Tour sessions: confirm, change by hand (checked against the hard rules), cancel, record
the outcome, and record a session held before it was planned here; each a unit of work with
its audit record and its event through the outbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, time

from ontour.application.errors import Forbidden, Refused
from ontour.application.unit_of_work import (
    UnitOfWork,
    ensure_version,
    locked,
    save,
    unit_of_work,
)
from ontour.audit import Caller
from ontour.auth.principal import Role
from ontour.contracts.intake import SessieVorm
from ontour.contracts.scheduling import (
    SessieGeannuleerd,
    SessieGehouden,
    SessieGepland,
    SessieVerplaatst,
    VervolgWens,
)
from ontour.db import Sessions
from sqlmodel.ext.asyncio.session import AsyncSession

from scheduling import repository
from scheduling.calendar_rows import sequence_after
from scheduling.config import Settings
from scheduling.domain.model import Assignment, FixedSession, PlanningProblem
from scheduling.domain.rules import check_assignment
from scheduling.domain.session import SessionStatus, Step, check_step
from scheduling.models import SessionRow
from scheduling.problem_rows import planner_settings, request_of, teamlid_of

MISSING = "Deze sessie bestaat niet."


class RulesBroken(Refused):
    """A manual change breaks hard rules; each reason says which (Dutch; 422)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(
            "Deze wijziging breekt een harde regel: " + " ".join(messages),
            "sessie",
            reasons=messages,
        )


@dataclass(frozen=True, slots=True)
class Change:
    on: date | None = None
    members: tuple[str, ...] | None = None
    starts_at: time | None = None
    ends_at: time | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    participants: int
    evaluation_score: int | None
    evaluation_remarks: str | None
    follow_up_wishes: tuple[VervolgWens, ...]


@dataclass(frozen=True, slots=True)
class HeldSession:
    """A session held before the planner knew of it (the tour's history), with its outcome."""

    request_id: uuid.UUID
    on: date
    members: tuple[str, ...]
    outcome: Outcome
    starts_at: time | None = None
    ends_at: time | None = None
    location: str | None = None


@asynccontextmanager
async def _step(
    database: Sessions, caller: Caller, action: str, session_id: uuid.UUID, expected_version: int
) -> AsyncIterator[tuple[UnitOfWork, SessionRow]]:
    """The locked session, when it is the expected version; the step's audit record and
    events commit with it."""
    async with unit_of_work(database, caller) as work:
        row = await locked(work.session, SessionRow, session_id, expected_version, missing=MISSING)
        yield work, row
        await work.audit(action, "sessie", str(session_id))


def _gepland(row: SessionRow, revision: int) -> SessieGepland:
    return SessieGepland(
        session_id=row.id,
        request_id=row.request_id,
        organisation_code=row.organisation_code,
        revision=revision,
        on=row.on,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        session_format=SessieVorm(row.session_format) if row.session_format else None,
        team_size=len(row.members),
    )


def _held_event(row: SessionRow, revision: int, outcome: Outcome) -> SessieGehouden:
    return SessieGehouden(
        session_id=row.id,
        request_id=row.request_id,
        organisation_code=row.organisation_code,
        revision=revision,
        held_on=row.on,
        participants=outcome.participants,
        evaluation_score=outcome.evaluation_score,
        follow_up_wishes=list(outcome.follow_up_wishes),
        team_size=len(row.members),
    )


def cancelled_event(row: SessionRow, revision: int) -> SessieGeannuleerd:
    return SessieGeannuleerd(
        session_id=row.id,
        request_id=row.request_id,
        organisation_code=row.organisation_code,
        revision=revision,
    )


async def confirm(
    database: Sessions, caller: Caller, session_id: uuid.UUID, *, expected_version: int
) -> None:
    async with _step(database, caller, "bevestigen", session_id, expected_version) as (work, row):
        check_step(SessionStatus(row.status), Step.CONFIRM)
        work.enqueue(_gepland(row, row.version + 1))
        await save(
            work.session,
            row,
            status=SessionStatus.BEVESTIGD.value,
            sequence=sequence_after(row, status=SessionStatus.BEVESTIGD.value),
        )


async def violations_of_change(
    db: AsyncSession, settings: Settings, row: SessionRow, on: date, members: tuple[str, ...]
) -> list[str]:
    """The hard rules a session on ``on`` with ``members`` would break (Dutch; empty: fine)."""
    open_sessions = await repository.sessions_with_status(db, ["voorgesteld", "bevestigd"])
    others = [s for s in open_sessions if s.id != row.id]
    proposed = [s for s in others if s.status == SessionStatus.VOORGESTELD]
    request_rows = {
        r.id: r
        for r in await repository.all_requests(db)
        if r.id in {row.request_id, *(s.request_id for s in proposed)}
    }
    places = await repository.organisations(db)
    requests = [
        request
        for r in request_rows.values()
        if (request := request_of(r, places.get(r.organisation_code))) is not None
    ]
    problem = PlanningProblem(
        members=tuple(teamlid_of(m) for m in await repository.teamleden(db, active_only=True)),
        requests=tuple(requests),
        settings=planner_settings(settings, min(on, settings.tour_end), 1.0),
        fixed_sessions=tuple(
            FixedSession(str(s.id), s.organisation_code, s.on, tuple(s.members))
            for s in others
            if s.status == SessionStatus.BEVESTIGD
        ),
    )
    assignments = [Assignment(str(s.request_id), s.on, tuple(s.members)) for s in proposed]
    change = Assignment(str(row.request_id), on, members)
    return [v.message for v in check_assignment(problem, assignments, change)]


async def change(
    database: Sessions,
    caller: Caller,
    settings: Settings,
    session_id: uuid.UUID,
    wanted: Change,
    *,
    expected_version: int,
) -> None:
    async with _step(database, caller, "wijzigen", session_id, expected_version) as (work, row):
        status = SessionStatus(row.status)
        check_step(status, Step.CHANGE)
        on = wanted.on or row.on
        members = wanted.members if wanted.members is not None else tuple(row.members)
        if (on, members) != (row.on, tuple(row.members)):
            broken = await violations_of_change(work.session, settings, row, on, members)
            if broken:
                raise RulesBroken(broken)
        starts_at, ends_at = wanted.starts_at or row.starts_at, wanted.ends_at or row.ends_at
        if ends_at <= starts_at:
            raise RulesBroken(["De eindtijd ligt niet na de begintijd."])
        location = wanted.location if wanted.location is not None else row.location
        if status is SessionStatus.BEVESTIGD and (on, starts_at, ends_at) != (
            row.on, row.starts_at, row.ends_at,
        ):  # fmt: skip
            work.enqueue(
                SessieVerplaatst(
                    session_id=row.id,
                    request_id=row.request_id,
                    organisation_code=row.organisation_code,
                    revision=row.version + 1,
                    previous_on=row.on,
                    on=on,
                    starts_at=starts_at,
                    ends_at=ends_at,
                )
            )
        await save(
            work.session,
            row,
            on=on,
            members=list(members),
            starts_at=starts_at,
            ends_at=ends_at,
            location=location,
            sequence=sequence_after(
                row, on=on, starts_at=starts_at, ends_at=ends_at, location=location
            ),
            explanation=[
                *row.explanation,
                "Met de hand gewijzigd; de harde regels zijn gecontroleerd.",
            ]
            if (on, members) != (row.on, tuple(row.members))
            else row.explanation,
        )


async def cancel(
    database: Sessions, caller: Caller, session_id: uuid.UUID, *, expected_version: int
) -> None:
    async with _step(database, caller, "annuleren", session_id, expected_version) as (work, row):
        check_step(SessionStatus(row.status), Step.CANCEL)
        work.enqueue(cancelled_event(row, row.version + 1))
        cancelled = SessionStatus.GEANNULEERD.value
        await save(
            work.session, row, status=cancelled, sequence=sequence_after(row, status=cancelled)
        )


async def record_outcome(
    database: Sessions,
    caller: Caller,
    session_id: uuid.UUID,
    outcome: Outcome,
    *,
    expected_version: int,
) -> None:
    """Only the session's own teamleden (or a coordinator) record how it went."""
    async with unit_of_work(database, caller) as work:
        row = await locked(work.session, SessionRow, session_id, None, missing=MISSING)
        principal = caller.signed_in
        if not (principal.has(Role.COORDINATOR) or principal.subject in row.members):
            raise Forbidden("Alleen de teamleden van deze sessie leggen de uitkomst vast.")
        ensure_version(row, expected_version)
        check_step(SessionStatus(row.status), Step.RECORD_OUTCOME)
        work.enqueue(_held_event(row, row.version + 1, outcome))
        await save(
            work.session,
            row,
            status=SessionStatus.GEHOUDEN.value,
            participants=outcome.participants,
            evaluation_score=outcome.evaluation_score,
            evaluation_remarks=outcome.evaluation_remarks,
            follow_up_wishes=[w.value for w in outcome.follow_up_wishes],
        )
        await work.audit("uitkomst", "sessie", str(session_id))


async def record_held(
    database: Sessions, caller: Caller, settings: Settings, held: HeldSession, *, today: date
) -> SessionRow:
    """A session already held for an open request, entered after the fact: it becomes
    *gehouden* at once and publishes "sessie gehouden" (intake and reporting count it)."""
    if held.on > today:
        raise Refused("De datum ligt in de toekomst; plan een komende sessie met de planner.", "on")
    async with unit_of_work(database, caller) as work:
        db = work.session
        request = await repository.get_request(db, held.request_id)
        if request is None or request.withdrawn:
            raise Refused("Dit sessieverzoek bestaat niet of is ingetrokken.", "request_id")
        if await repository.has_session(db, request.id):
            raise Refused("Dit sessieverzoek heeft al een sessie.")
        known = {m.id for m in await repository.teamleden(db)}
        if unknown := sorted(set(held.members) - known):
            raise Refused(f"Onbekend teamlid: {', '.join(unknown)}.", "members")
        starts_at = held.starts_at or settings.session_starts_at
        ends_at = held.ends_at or settings.session_ends_at
        if ends_at <= starts_at:
            raise Refused("De eindtijd ligt niet na de begintijd.", "ends_at")
        outcome = held.outcome
        row = SessionRow(
            request_id=request.id,
            organisation_code=request.organisation_code,
            on=held.on,
            starts_at=starts_at,
            ends_at=ends_at,
            location=held.location,
            session_format=request.session_format,
            members=list(held.members),
            status=SessionStatus.GEHOUDEN.value,
            explanation=["Achteraf vastgelegd: deze sessie is gehouden."],
            participants=outcome.participants,
            evaluation_score=outcome.evaluation_score,
            evaluation_remarks=outcome.evaluation_remarks,
            follow_up_wishes=[w.value for w in outcome.follow_up_wishes],
        )
        db.add(row)
        await db.flush()
        work.enqueue(_held_event(row, row.version, outcome))
        await work.audit("achteraf vastleggen", "sessie", str(row.id))
    return row
