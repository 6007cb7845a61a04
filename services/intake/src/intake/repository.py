"""Persistence of intake's aggregates; the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from ontour.contracts.intake import Periode, Thema, TourStatus, VoorgesprekStatus
from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.domain.register import Organisation, OrganisationKind
from intake.domain.voorgesprek import VoorgesprekContent
from intake.models import (
    ContactRow,
    FollowedSession,
    FollowUp,
    ImportRun,
    OrganisationNote,
    OrganisationRow,
    ProtocolAnswer,
    TimelineEntry,
    Voorgesprek,
    VoorgesprekChange,
)

# --- voorgesprekken -------------------------------------------------------------------------------


async def get_voorgesprek(session: AsyncSession, voorgesprek_id: uuid.UUID) -> Voorgesprek | None:
    return await session.get(Voorgesprek, voorgesprek_id)


def content_of(row: Voorgesprek, note: str | None = None) -> VoorgesprekContent:
    """The content stored in a row (the note only when the caller decrypted it)."""
    return VoorgesprekContent(
        organisation_code=row.organisation_code,
        status=VoorgesprekStatus(row.status),
        held_on=row.held_on,
        start_time=row.start_time,
        mode=row.mode,
        teamleden=list(row.teamleden),
        participants=dict(row.participants),
        themes=list(row.themes),
        incident_count=row.incident_count,
        incident_categories=list(row.incident_categories),
        session_wish=row.session_wish,
        session_format=row.session_format,
        preferred_periods=[Periode.model_validate(p) for p in row.preferred_periods],
        preferred_weekdays=list(row.preferred_weekdays),
        avoid_weekdays=list(row.avoid_weekdays),
        expected_participants=row.expected_participants,
        location=row.location,
        attention_online_intimidation_women=row.attention_online_intimidation_women,
        college_takes_part=row.college_takes_part,
        confidential_note=note,
    )


async def follow_session(
    session: AsyncSession,
    session_id: uuid.UUID,
    organisation_code: str,
    status: str,
    revision: int,
    at: datetime,
) -> FollowedSession:
    """Keep a session's status of its highest revision, that it was ever planned and when it
    was cancelled (``at``, the event's moment); the session as known now."""
    planned = status == "gepland"
    cancelled_at = at if status == "geannuleerd" else None
    statement = insert(FollowedSession).values(
        session_id=session_id, organisation_code=organisation_code, status=status,
        revision=revision, planned=planned, cancelled_at=cancelled_at,
    )  # fmt: skip
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["session_id"],
            set_={
                "planned": col(FollowedSession.planned) | statement.excluded.planned,
                "cancelled_at": func.coalesce(
                    col(FollowedSession.cancelled_at), statement.excluded.cancelled_at
                ),
            },
        )
    )
    await session.execute(
        update(FollowedSession)
        .where(col(FollowedSession.session_id) == session_id)
        .where(col(FollowedSession.revision) < revision)
        .values(status=status, revision=revision)
    )
    followed = await session.get(FollowedSession, session_id, populate_existing=True)
    assert followed is not None  # written just now, in this transaction
    return followed


async def add_event_entries(session: AsyncSession, entries: Sequence[TimelineEntry]) -> None:
    """Entries that record another service's events, each once: an entry for an event
    (``kind``, ``object_id``, ``revision``) already on the timeline is left as it is."""
    if not entries:
        return
    rows = [entry.model_dump(exclude={"id"}) for entry in entries]
    await session.execute(
        insert(TimelineEntry)
        .values(rows)
        .on_conflict_do_nothing(
            index_elements=["kind", "object_id", "revision"],
            index_where=col(TimelineEntry.revision).is_not(None),
        )
    )


async def followed_sessions_of(session: AsyncSession, cbs_code: str) -> list[FollowedSession]:
    rows = await session.exec(
        select(FollowedSession).where(col(FollowedSession.organisation_code) == cbs_code)
    )
    return list(rows.all())


async def voorgesprekken_of(session: AsyncSession, cbs_code: str) -> list[Voorgesprek]:
    rows = await session.exec(
        select(Voorgesprek)
        .where(col(Voorgesprek.organisation_code) == cbs_code)
        .order_by(col(Voorgesprek.held_on).desc(), col(Voorgesprek.id))
    )
    return list(rows.all())


@dataclass(frozen=True, slots=True)
class VoorgesprekFilter:
    organisation_code: str | None = None
    province_code: str | None = None
    start: date | None = None
    end: date | None = None
    teamlid: str | None = None
    status: VoorgesprekStatus | None = None
    theme: Thema | None = None


def _voorgesprek_query(where: VoorgesprekFilter) -> Any:
    query = select(Voorgesprek)
    if where.organisation_code:
        query = query.where(col(Voorgesprek.organisation_code) == where.organisation_code)
    if where.province_code:
        query = query.join(
            OrganisationRow, col(OrganisationRow.cbs_code) == col(Voorgesprek.organisation_code)
        ).where(col(OrganisationRow.province_code) == where.province_code)
    if where.start:
        query = query.where(col(Voorgesprek.held_on) >= where.start)
    if where.end:
        query = query.where(col(Voorgesprek.held_on) <= where.end)
    if where.teamlid:
        query = query.where(col(Voorgesprek.teamleden).contains([where.teamlid]))
    if where.status:
        query = query.where(col(Voorgesprek.status) == where.status.value)
    if where.theme:
        query = query.where(col(Voorgesprek.themes).contains([where.theme.value]))
    return query


async def list_voorgesprekken(
    session: AsyncSession, where: VoorgesprekFilter, *, offset: int, limit: int | None
) -> tuple[list[Voorgesprek], int]:
    """One page of voorgesprekken (newest first) and the total that match."""
    query = _voorgesprek_query(where)
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    ordered = query.order_by(col(Voorgesprek.held_on).desc(), col(Voorgesprek.id)).offset(offset)
    if limit is not None:
        ordered = ordered.limit(limit)
    return list((await session.exec(ordered)).all()), total


async def existing_import_keys(session: AsyncSession, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    rows = await session.exec(
        select(col(Voorgesprek.import_key)).where(col(Voorgesprek.import_key).in_(list(keys)))
    )
    return {key for key in rows.all() if key}


async def history_of(session: AsyncSession, voorgesprek_id: uuid.UUID) -> list[VoorgesprekChange]:
    rows = await session.exec(
        select(VoorgesprekChange)
        .where(col(VoorgesprekChange.voorgesprek_id) == voorgesprek_id)
        .order_by(col(VoorgesprekChange.version), col(VoorgesprekChange.id))
    )
    return list(rows.all())


# --- follow-ups, notes, timeline, imports ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FollowUpFilter:
    owner: str | None = None
    organisation_code: str | None = None
    voorgesprek_id: uuid.UUID | None = None
    open_only: bool = False


async def list_follow_ups(
    session: AsyncSession, where: FollowUpFilter, *, offset: int = 0, limit: int | None = None
) -> tuple[list[FollowUp], int]:
    """Follow-ups, open ones first, then by due date."""
    query = select(FollowUp)
    if where.owner:
        query = query.where(col(FollowUp.owner) == where.owner)
    if where.organisation_code:
        query = query.where(col(FollowUp.organisation_code) == where.organisation_code)
    if where.voorgesprek_id:
        query = query.where(col(FollowUp.voorgesprek_id) == where.voorgesprek_id)
    if where.open_only:
        query = query.where(col(FollowUp.done_at).is_(None))
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    ordered = query.order_by(
        col(FollowUp.done_at).is_not(None),
        col(FollowUp.due_on).asc().nulls_last(),
        col(FollowUp.created_at),
    ).offset(offset)
    if limit is not None:
        ordered = ordered.limit(limit)
    return list((await session.exec(ordered)).all()), total


async def notes_of(session: AsyncSession, cbs_code: str) -> list[OrganisationNote]:
    rows = await session.exec(
        select(OrganisationNote)
        .where(col(OrganisationNote.organisation_code) == cbs_code)
        .order_by(col(OrganisationNote.created_at).desc())
    )
    return list(rows.all())


async def timeline_of(
    session: AsyncSession, cbs_code: str, limit: int = 200
) -> list[TimelineEntry]:
    rows = await session.exec(
        select(TimelineEntry)
        .where(col(TimelineEntry.organisation_code) == cbs_code)
        .order_by(col(TimelineEntry.at).desc(), col(TimelineEntry.id).desc())
        .limit(limit)
    )
    return list(rows.all())


async def protocol_history_of(session: AsyncSession, cbs_code: str) -> list[ProtocolAnswer]:
    """Every answer recorded about the organisation's arrangements against aggression,
    newest first."""
    rows = await session.exec(
        select(ProtocolAnswer)
        .where(col(ProtocolAnswer.organisation_code) == cbs_code)
        .order_by(col(ProtocolAnswer.recorded_at).desc(), col(ProtocolAnswer.id).desc())
    )
    return list(rows.all())


async def get_import_run(session: AsyncSession, run_id: uuid.UUID) -> ImportRun | None:
    return await session.get(ImportRun, run_id)


async def recent_import_runs(session: AsyncSession, limit: int = 20) -> list[ImportRun]:
    rows = await session.exec(
        select(ImportRun).order_by(col(ImportRun.created_at).desc()).limit(limit)
    )
    return list(rows.all())


# --- the register of organisations ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrganisationFilter:
    province_code: str | None = None
    kind: OrganisationKind | None = None
    tour_status: TourStatus | None = None
    name_contains: str | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_organisations(
    session: AsyncSession, where: OrganisationFilter, *, offset: int, limit: int | None
) -> tuple[list[OrganisationRow], int]:
    """One page of organisations (by name, then code) and the total that match."""
    query = select(OrganisationRow)
    if where.province_code:
        query = query.where(col(OrganisationRow.province_code) == where.province_code)
    if where.kind:
        query = query.where(col(OrganisationRow.kind) == where.kind.value)
    if where.tour_status:
        query = query.where(col(OrganisationRow.tour_status) == where.tour_status.value)
    if where.name_contains:
        pattern = f"%{_escape_like(where.name_contains)}%"
        query = query.where(col(OrganisationRow.name).ilike(pattern, escape="\\"))
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    page = await session.exec(
        query.order_by(col(OrganisationRow.name), col(OrganisationRow.cbs_code))
        .offset(offset)
        .limit(limit)
    )
    return list(page.all()), total


async def current_organisation_names(session: AsyncSession) -> list[tuple[str, str]]:
    """(CBS code, name) of every organisation that has not ended, by name, then code: the
    form's choices (two columns, not whole rows: the form renders them on every visit)."""
    query = (
        select(col(OrganisationRow.cbs_code), col(OrganisationRow.name))
        .where(col(OrganisationRow.valid_until).is_(None))
        .order_by(col(OrganisationRow.name), col(OrganisationRow.cbs_code))
    )
    return [(code, name) for code, name in (await session.exec(query)).all()]


async def get_organisation(session: AsyncSession, cbs_code: str) -> OrganisationRow | None:
    return await session.get(OrganisationRow, cbs_code)


async def count_organisations(session: AsyncSession) -> int:
    return (await session.exec(select(func.count()).select_from(OrganisationRow))).one()


def to_domain(row: OrganisationRow) -> Organisation:
    return Organisation(
        cbs_code=row.cbs_code,
        name=row.name,
        kind=OrganisationKind(row.kind),
        province_code=row.province_code,
        province_name=row.province_name,
        lat=row.lat,
        lon=row.lon,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        successor_code=row.successor_code,
    )


async def all_organisations(session: AsyncSession) -> list[Organisation]:
    rows = await session.exec(select(OrganisationRow).order_by(col(OrganisationRow.cbs_code)))
    return [to_domain(row) for row in rows.all()]


async def insert_organisations(
    session: AsyncSession, organisations: Sequence[Organisation]
) -> set[str]:
    """Insert the ones not there yet; the codes actually inserted (a concurrent loader's
    rows are skipped, not overwritten)."""
    if not organisations:
        return set()
    values = [{**asdict(o), "kind": o.kind.value} for o in organisations]
    statement = (
        insert(OrganisationRow)
        .values(values)
        .on_conflict_do_nothing(index_elements=["cbs_code"])
        .returning(col(OrganisationRow.cbs_code))
    )
    return set((await session.execute(statement)).scalars())


async def update_organisation(
    session: AsyncSession, cbs_code: str, values: Mapping[str, Any]
) -> OrganisationRow:
    """Write ``values`` (column: value) and bump the version; the row as it is now.

    The UPDATE holds the row until the caller's transaction ends, so the row returned has
    every column current, also the ones a concurrent change just committed.
    """
    result = await session.execute(
        update(OrganisationRow)
        .where(col(OrganisationRow.cbs_code) == cbs_code)
        .values(**values, version=OrganisationRow.version + 1)
        .returning(OrganisationRow),
        execution_options={"populate_existing": True},
    )
    return result.scalar_one()


# --- contact persons (encrypted; see intake.usecases.contacts) --------------------------------


async def list_contacts(session: AsyncSession, cbs_code: str) -> list[ContactRow]:
    rows = await session.exec(
        select(ContactRow)
        .where(col(ContactRow.organisation_code) == cbs_code)
        .order_by(col(ContactRow.created_at), col(ContactRow.id))
    )
    return list(rows.all())


async def add_contact(session: AsyncSession, contact: ContactRow) -> ContactRow:
    session.add(contact)
    await session.flush()
    return contact


async def delete_contact(session: AsyncSession, cbs_code: str, contact_id: uuid.UUID) -> bool:
    """Delete the row and with it the wrapped data key (crypto-shredding)."""
    result = await session.execute(
        delete(ContactRow)
        .where(col(ContactRow.id) == contact_id)
        .where(col(ContactRow.organisation_code) == cbs_code)
        .returning(col(ContactRow.id))
    )
    return result.scalar_one_or_none() is not None


async def organisation_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await session.exec(
        select(OrganisationRow.cbs_code, OrganisationRow.name).where(
            col(OrganisationRow.cbs_code).in_(codes)
        )
    )
    return dict(rows.all())


async def add_note(session: AsyncSession, cbs_code: str, text: str, actor: str) -> uuid.UUID:
    """A note and its timeline entry; the note's id."""
    note = OrganisationNote(organisation_code=cbs_code, text=text, created_by=actor)
    session.add(note)
    session.add(
        TimelineEntry(
            organisation_code=cbs_code,
            kind="notitie",
            summary="Notitie toegevoegd",
            actor=actor,
            object_id=str(note.id),
        )
    )
    await session.flush()
    return note.id
