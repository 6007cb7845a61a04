"""Persistence of aftercare's aggregates (cases, their tombstones, peers) and the mapping of
their rows to the domain's values; the caller owns the transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from aftercare.domain import workflow
from aftercare.domain.matching import MatchRequest, PeerProfile
from aftercare.domain.vocabulary import (
    CaseStatus,
    ErasureReason,
    Gender,
    GenderWish,
    IncidentCategory,
    PeerBackground,
    RequesterRole,
)
from aftercare.models import CaseRow, ErasedCaseRow, PeerRow

# Outbox rows by the subject of their CloudEvent: the statistics id, for every case event.
_LOCK_EVENTS = text(
    "SELECT id FROM outbox "
    "WHERE convert_from(payload, 'UTF8')::jsonb ->> 'subject' = :subject FOR UPDATE"
)
_DELETE_SENT_EVENTS = text(
    "DELETE FROM outbox WHERE sent_at IS NOT NULL "
    "AND convert_from(payload, 'UTF8')::jsonb ->> 'subject' = :subject"
)
# The statuses in which a case takes up a place of its peer's capacity.
_CARRIED = (CaseStatus.GEMATCHT, CaseStatus.CONTACT_GELEGD, CaseStatus.LOPEND)

# --- cases ----------------------------------------------------------------------------------------


async def get_case(session: AsyncSession, case_id: uuid.UUID) -> CaseRow | None:
    return await session.get(CaseRow, case_id)


async def get_tombstone(session: AsyncSession, case_id: uuid.UUID) -> ErasedCaseRow | None:
    return await session.get(ErasedCaseRow, case_id)


async def case_by_token(session: AsyncSession, status_token_hash: str) -> CaseRow | None:
    query = select(CaseRow).where(col(CaseRow.status_token_hash) == status_token_hash)
    return (await session.exec(query)).first()


# What the queue shows of a case and needs for its service level and alerts: not the
# encrypted personal fields nor the case's further history.
QUEUE_COLUMNS = (
    "id", "reference", "status", "role", "incident_categories", "gender_wish", "requested_at",
    "peer_id", "proposed_peer_id", "version", "contacted_at", "declined_by", "closed_at",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class QueuedCase:
    """A case as the queue shows it (:data:`QUEUE_COLUMNS`), read as plain columns: a few
    hundred ORM instances cost more than everything else the queue does with them."""

    id: uuid.UUID
    reference: str
    status: str
    role: str
    incident_categories: list[str]
    gender_wish: str
    requested_at: datetime
    peer_id: str | None
    proposed_peer_id: str | None
    version: int
    contacted_at: datetime | None
    declined_by: list[str]
    closed_at: datetime | None


_QUEUED = select(*(CaseRow.__table__.c[name] for name in QUEUE_COLUMNS))  # type: ignore[attr-defined]
_OPEN = [status.value for status in workflow.OPEN]
_CLOSED = [status.value for status in workflow.FINAL]


async def _queued(session: AsyncSession, query: Any) -> list[QueuedCase]:
    return [QueuedCase(*row) for row in (await session.execute(query)).all()]


def _of_queue(query: Any, *, closed: bool, peer_id: str | None) -> Any:
    query = query.where(col(CaseRow.status).in_(_CLOSED if closed else _OPEN))
    return query if peer_id is None else query.where(col(CaseRow.peer_id) == peer_id)


async def cases_in_queue(
    session: AsyncSession,
    *,
    closed: bool,
    offset: int = 0,
    limit: int | None = None,
    peer_id: str | None = None,
) -> list[QueuedCase]:
    """The open cases, longest waiting first, or the closed and withdrawn ones, most
    recently closed first (from ``offset``, at most ``limit``; all of them, or those linked
    to ``peer_id``), with only :data:`QUEUE_COLUMNS`: only the cases asked for are read."""
    order: tuple[Any, ...] = (col(CaseRow.requested_at),)
    if closed:
        order = (col(CaseRow.closed_at).desc().nulls_last(), col(CaseRow.requested_at).desc())
    query = _of_queue(_QUEUED, closed=closed, peer_id=peer_id).order_by(*order, col(CaseRow.id))
    return await _queued(session, query.offset(offset).limit(limit))


async def count_in_queue(session: AsyncSession, *, closed: bool, peer_id: str | None = None) -> int:
    """How many cases are open, or closed and withdrawn (all, or those of ``peer_id``)."""
    query = select(func.count()).select_from(CaseRow)
    query = _of_queue(query, closed=closed, peer_id=peer_id)
    return int((await session.execute(query)).scalar_one())


async def waiting_cases(session: AsyncSession) -> list[CaseRow]:
    """The cases without a peer yet, longest waiting first."""
    query = (
        select(CaseRow)
        .where(col(CaseRow.status) == CaseStatus.AANGEVRAAGD)
        .order_by(col(CaseRow.requested_at))
    )
    return list((await session.exec(query)).all())


async def cases_closed_before(session: AsyncSession, cutoff: datetime) -> list[CaseRow]:
    query = select(CaseRow).where(col(CaseRow.closed_at) < cutoff).with_for_update()
    return list((await session.exec(query)).all())


async def case_ids(session: AsyncSession) -> list[uuid.UUID]:
    return list((await session.exec(select(CaseRow.id))).all())


async def add_case(session: AsyncSession, row: CaseRow) -> None:
    session.add(row)
    await session.flush()


async def bury(session: AsyncSession, row: CaseRow, at: datetime, reason: ErasureReason) -> None:
    """Replace a case by its tombstone (id, reference, when, why)."""
    await session.execute(
        insert(ErasedCaseRow).values(
            id=row.id, reference=row.reference, erased_at=at, reason=reason.value
        )
    )
    await session.execute(delete(CaseRow).where(col(CaseRow.id) == row.id))


async def forget_events(session: AsyncSession, statistics_id: uuid.UUID) -> None:
    """Delete the case's sent events from the outbox; those not sent yet must still reach
    reporting, and go the moment the relay marks them sent (a trigger, migration 0004, for
    events whose case no longer exists).

    Locking the rows first waits for a relay that is publishing them right now, so that its
    mark is seen here and no sent event slips through between the two.
    """
    subject = {"subject": str(statistics_id)}
    await session.execute(_LOCK_EVENTS, subject)
    await session.execute(_DELETE_SENT_EVENTS, subject)


def as_domain(row: CaseRow | QueuedCase) -> workflow.AftercareCase:
    return workflow.AftercareCase(
        case_id=str(row.id),
        requested_at=row.requested_at,
        status=CaseStatus(row.status),
        peer_id=row.peer_id,
        declined_by=frozenset(row.declined_by),
        contacted_at=row.contacted_at,
    )


def match_request(row: CaseRow) -> MatchRequest:
    return MatchRequest(
        case_id=str(row.id),
        role=RequesterRole(row.role),
        incident_categories=frozenset(IncidentCategory(c) for c in row.incident_categories),
        requested_at=row.requested_at,
        organisation_code=row.organisation_code,
        province_code=row.province_code,
        gender_wish=GenderWish(row.gender_wish),
        wants_same_background=row.wants_same_background,
        language=row.language,
        declined_by=frozenset(row.declined_by),
    )


# --- peers ----------------------------------------------------------------------------------------


async def get_peer(session: AsyncSession, peer_id: str) -> PeerRow | None:
    return await session.get(PeerRow, peer_id)


async def peers_by_name(session: AsyncSession) -> list[PeerRow]:
    return list((await session.exec(select(PeerRow).order_by(col(PeerRow.name)))).all())


async def add_peer(session: AsyncSession, row: PeerRow) -> None:
    session.add(row)
    await session.flush()


async def note_assignment(session: AsyncSession, peer_id: str, at: datetime) -> None:
    """The peer's most recent assignment, which counts for spreading: also when this one is
    entered late, the latest stays."""
    latest = func.greatest(func.coalesce(col(PeerRow.last_assigned_at), at), at)
    await session.execute(
        update(PeerRow).where(col(PeerRow.id) == peer_id).values(last_assigned_at=latest)
    )


async def peers_with_load(session: AsyncSession) -> list[PeerProfile]:
    """Every peer with the number of open cases they carry (capacity is enforced on this)."""
    carried = (
        await session.exec(select(CaseRow.peer_id).where(col(CaseRow.status).in_(_CARRIED)))
    ).all()
    load: dict[str, int] = {}
    for peer_id in carried:
        if peer_id:
            load[peer_id] = load.get(peer_id, 0) + 1
    peers = (await session.exec(select(PeerRow).order_by(col(PeerRow.id)))).all()
    return [_peer_profile(p, load.get(p.id, 0)) for p in peers]


def _peer_profile(row: PeerRow, active_cases: int) -> PeerProfile:
    return PeerProfile(
        peer_id=row.id,
        background=PeerBackground(row.background),
        gender=Gender(row.gender),
        capacity=row.capacity,
        active_cases=active_cases,
        available=row.available,
        organisation_codes=frozenset(row.organisation_codes),
        conflict_codes=frozenset(row.conflict_codes),
        regions=frozenset(row.regions),
        expertise=frozenset(IncidentCategory(e) for e in row.expertise),
        languages=frozenset(row.languages or ["nl"]),
        last_assigned_at=row.last_assigned_at,
    )
