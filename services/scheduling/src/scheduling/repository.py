"""Persistence of scheduling's aggregates (all of its SQL); the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from ontour.contracts.intake import SessieverzoekIngediend
from sqlalchemy import delete, or_, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from scheduling.models import (
    CalendarToken,
    OrganisationRow,
    PlannerRun,
    SessionRequestRow,
    SessionRow,
    TeamlidRow,
)

OPEN_STATUSES = ("voorgesteld", "bevestigd")
_RUN_START_LOCK = "SELECT pg_advisory_xact_lock(hashtext(:name))"

# --- from intake's events ------------------------------------------------------------------------


async def register_organisation(
    db: AsyncSession,
    *,
    code: str,
    name: str,
    province_code: str,
    lat: float | None,
    lon: float | None,
    at: datetime,
) -> None:
    """Store a registration, unless a newer one set these columns already."""
    values = {"name": name, "province_code": province_code, "lat": lat, "lon": lon,
              "registered_at": at}  # fmt: skip
    statement = insert(OrganisationRow).values(cbs_code=code, **values)
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=["cbs_code"],
            set_=values,
            where=_older(OrganisationRow.registered_at, statement.excluded.registered_at),
        )
    )


async def end_organisation(
    db: AsyncSession, code: str, valid_until: date | None, at: datetime
) -> None:
    """Store a change's ``valid_until``, unless a newer change set it already; before the
    registration, as a tombstone that it completes."""
    values = {"valid_until": valid_until, "changed_at": at}
    statement = insert(OrganisationRow).values(cbs_code=code, **values)
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=["cbs_code"],
            set_=values,
            where=_older(OrganisationRow.changed_at, statement.excluded.changed_at),
        )
    )


async def upsert_request(db: AsyncSession, event: SessieverzoekIngediend, at: datetime) -> None:
    """Store a submission: its data unless newer data is there, and open the request unless a
    newer revision (a withdrawal) is there."""
    values: dict[str, Any] = {
        "voorgesprek_id": event.voorgesprek_id,
        "organisation_code": event.organisation_code,
        "data_revision": event.revision,
        "requested_on": event.requested_on,
        "session_format": event.session_format.value if event.session_format else None,
        "preferred_periods": [p.model_dump(mode="json") for p in event.preferred_periods],
        "preferred_weekdays": [d.value for d in event.preferred_weekdays],
        "avoid_weekdays": [d.value for d in event.avoid_weekdays],
        "expected_participants": event.expected_participants,
        "attention_online_intimidation_women": event.attention_online_intimidation_women,
        "college_takes_part": event.college_takes_part,
    }
    statement = insert(SessionRequestRow).values(
        id=event.request_id, revision=event.revision, withdrawn=False, received_at=at, **values
    )
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=["id"],
            set_=values,
            where=_older(SessionRequestRow.data_revision, statement.excluded.data_revision),
        )
    )
    await _set_state(db, event.request_id, event.revision, at, withdrawn=False)


async def withdraw_request(
    db: AsyncSession, request_id: uuid.UUID, organisation_code: str, revision: int, at: datetime
) -> None:
    """Withdraw a request unless a newer revision is there; before its submission, as a
    tombstone that the submission fills in (without opening it)."""
    await db.execute(
        insert(SessionRequestRow)
        .values(
            id=request_id,
            organisation_code=organisation_code,
            revision=revision,
            withdrawn=True,
            received_at=at,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    await _set_state(db, request_id, revision, at, withdrawn=True)


async def _set_state(
    db: AsyncSession, request_id: uuid.UUID, revision: int, at: datetime, *, withdrawn: bool
) -> None:
    """Withdraw or open the request unless a newer revision is there; it was received when
    intake first announced it (the earliest of its events, whatever order they arrive in)."""
    request = col(SessionRequestRow.id) == request_id
    await db.execute(
        update(SessionRequestRow)
        .where(request, col(SessionRequestRow.revision) < revision)
        .values(withdrawn=withdrawn, revision=revision)
    )
    await db.execute(
        update(SessionRequestRow)
        .where(request, col(SessionRequestRow.received_at) > at)
        .values(received_at=at)
    )


def _older(column: Any, incoming: Any) -> Any:
    """Whether the row's ``column`` (NULL: never set) orders before the incoming event's."""
    return or_(col(column).is_(None), col(column) < incoming)


# --- reads for planning ---------------------------------------------------------------------------

# A tombstone (a withdrawal before its submission) is no request yet.
_SUBMITTED = col(SessionRequestRow.data_revision).is_not(None)


async def open_requests(db: AsyncSession) -> list[SessionRequestRow]:
    """Requests not withdrawn and without a proposed, confirmed or held session."""
    taken = select(SessionRow.request_id).where(
        col(SessionRow.status).in_([*OPEN_STATUSES, "gehouden"])
    )
    rows = await db.exec(
        select(SessionRequestRow)
        .where(col(SessionRequestRow.withdrawn).is_(False))
        .where(_SUBMITTED)
        .where(col(SessionRequestRow.id).not_in(taken))
        .order_by(col(SessionRequestRow.requested_on), col(SessionRequestRow.id))
    )
    return list(rows.all())


async def has_session(db: AsyncSession, request_id: uuid.UUID) -> bool:
    """Whether the request has a proposed, confirmed or held session."""
    taken = await db.exec(
        select(SessionRow.id)
        .where(col(SessionRow.request_id) == request_id)
        .where(col(SessionRow.status).in_([*OPEN_STATUSES, "gehouden"]))
        .limit(1)
    )
    return taken.first() is not None


async def all_requests(db: AsyncSession) -> list[SessionRequestRow]:
    rows = await db.exec(
        select(SessionRequestRow).where(_SUBMITTED).order_by(col(SessionRequestRow.requested_on))
    )
    return list(rows.all())


async def get_request(db: AsyncSession, request_id: uuid.UUID) -> SessionRequestRow | None:
    row = await db.get(SessionRequestRow, request_id)
    return row if row is not None and row.data_revision is not None else None


async def organisations(
    db: AsyncSession, codes: set[str] | None = None
) -> dict[str, OrganisationRow]:
    query = select(OrganisationRow).where(col(OrganisationRow.registered_at).is_not(None))
    if codes is not None:
        query = query.where(col(OrganisationRow.cbs_code).in_(codes))
    return {row.cbs_code: row for row in (await db.exec(query)).all()}


async def teamleden(db: AsyncSession, *, active_only: bool = False) -> list[TeamlidRow]:
    query = select(TeamlidRow).order_by(col(TeamlidRow.name))
    if active_only:
        query = query.where(col(TeamlidRow.active).is_(True))
    return list((await db.exec(query)).all())


async def get_teamlid(
    db: AsyncSession, teamlid_id: str, *, for_update: bool = False
) -> TeamlidRow | None:
    query = select(TeamlidRow).where(col(TeamlidRow.id) == teamlid_id)
    if for_update:
        query = query.with_for_update()
    return (await db.exec(query)).first()


async def sessions_with_status(
    db: AsyncSession, statuses: Sequence[str], *, start: date | None = None,
    end: date | None = None, member: str | None = None, province: str | None = None,
) -> list[SessionRow]:  # fmt: skip
    query = select(SessionRow).where(col(SessionRow.status).in_(list(statuses)))
    if start:
        query = query.where(col(SessionRow.on) >= start)
    if end:
        query = query.where(col(SessionRow.on) <= end)
    if member:
        query = query.where(col(SessionRow.members).contains([member]))
    if province:
        codes = select(OrganisationRow.cbs_code).where(
            col(OrganisationRow.province_code) == province
        )
        query = query.where(col(SessionRow.organisation_code).in_(codes))
    rows = await db.exec(query.order_by(col(SessionRow.on), col(SessionRow.starts_at)))
    return list(rows.all())


async def get_session(
    db: AsyncSession, session_id: uuid.UUID, *, for_update: bool = False
) -> SessionRow | None:
    query = select(SessionRow).where(col(SessionRow.id) == session_id)
    if for_update:
        query = query.with_for_update()
    return (await db.exec(query)).first()


async def get_run(
    db: AsyncSession, run_id: uuid.UUID, *, for_update: bool = False
) -> PlannerRun | None:
    query = select(PlannerRun).where(col(PlannerRun.id) == run_id)
    if for_update:
        query = query.with_for_update()
    return (await db.exec(query)).first()


async def recent_runs(db: AsyncSession, limit: int = 10) -> list[PlannerRun]:
    rows = await db.exec(
        select(PlannerRun).order_by(col(PlannerRun.started_at).desc()).limit(limit)
    )
    return list(rows.all())


async def lock_run_start(db: AsyncSession) -> None:
    """Serialise "is a run going? then start one" across requests and replicas (held until
    the transaction ends): the second of two simultaneous starts sees the first one's run."""
    await db.execute(text(_RUN_START_LOCK), {"name": "scheduling.planner_run.start"})


async def runs_in_progress(db: AsyncSession) -> list[PlannerRun]:
    """Runs with status *bezig* (usecases.planning.RUNNING), however long ago they started."""
    rows = await db.exec(select(PlannerRun).where(col(PlannerRun.status) == "bezig"))
    return list(rows.all())


async def save_progress(db: AsyncSession, run_id: uuid.UUID, progress: dict[str, Any]) -> None:
    """The solver's latest progress, while the run is still going (a late report of a
    finished run changes nothing)."""
    await db.execute(
        update(PlannerRun)
        .where(col(PlannerRun.id) == run_id)
        .where(col(PlannerRun.status) == "bezig")
        .values(progress=progress)
    )


async def finish_run(
    db: AsyncSession, run_id: uuid.UUID, status: str, result: dict[str, Any] | None
) -> None:
    await db.execute(
        update(PlannerRun)
        .where(col(PlannerRun.id) == run_id)
        .values(status=status, result=result, finished_at=datetime.now(UTC))
    )


async def delete_feed_tokens(db: AsyncSession, teamlid_id: str) -> None:
    await db.execute(delete(CalendarToken).where(col(CalendarToken.teamlid_id) == teamlid_id))


async def teamlid_for_token(db: AsyncSession, token_hash: str) -> str | None:
    row = await db.get(CalendarToken, token_hash)
    return row.teamlid_id if row else None
