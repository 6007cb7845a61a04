"""Recording voorgesprekken: the row, its history, the organisation's timeline and tour
status, and the events, all in the caller's transaction.

The API, the pages and the bulk import all come through here, so a change is stored and
announced the same way whichever door it came in by. New voorgesprekken are written in bulk
(core INSERTs), which keeps an import of thousands of rows to a few statements.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ontour.auth.principal import Principal
from ontour.contracts.intake import (
    Periode,
    SessieWens,
    TourStatus,
    VoorgesprekStatus,
)
from ontour.crypto import FieldCipher
from ontour.events import EventData
from ontour.formatting import format_datum
from ontour.messaging.outbox import enqueue_many
from sqlalchemy import insert, select, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from intake import organisations, repository
from intake.domain.tour_status import VoorgesprekState, derive_tour_status
from intake.domain.voorgesprek import (
    VoorgesprekContent,
    changes,
    check_content,
    check_transition,
    events_for_cancellation,
    events_for_change,
)
from intake.models import (
    FollowUp,
    OrganisationRow,
    TimelineEntry,
    Voorgesprek,
    VoorgesprekChange,
)

NOTE_FIELD = "confidential_note"


class NotFound(LookupError):
    """The voorgesprek (or follow-up) does not exist."""


class VersionConflict(Exception):
    """The caller edited an older version than the current one."""

    def __init__(self, current: int) -> None:
        super().__init__(f"current version is {current}")
        self.current = current


class UnknownOrganisation(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class NewFollowUp:
    description: str
    owner: str
    due_on: date | None = None


@dataclass(frozen=True, slots=True)
class NewVoorgesprek:
    content: VoorgesprekContent
    follow_ups: Sequence[NewFollowUp] = ()
    import_key: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


def _note_context(voorgesprek_id: uuid.UUID) -> bytes:
    return f"voorgesprek:{voorgesprek_id}:{NOTE_FIELD}".encode()


def read_note(cipher: FieldCipher, row: Voorgesprek) -> str | None:
    """The decrypted confidential note (the caller audits the read)."""
    if row.confidential_note_enc is None or row.wrapped_key is None:
        return None
    key = cipher.unwrap(row.wrapped_key)
    return key.decrypt(row.confidential_note_enc, _note_context(row.id))


def _sealed_note(
    cipher: FieldCipher, voorgesprek_id: uuid.UUID, note: str | None, wrapped: bytes | None
) -> dict[str, Any]:
    if not note:
        return {"wrapped_key": wrapped, "confidential_note_enc": None}
    wrapped = wrapped or cipher.new_data_key()
    sealed = cipher.unwrap(wrapped).encrypt(note, _note_context(voorgesprek_id))
    return {"wrapped_key": wrapped, "confidential_note_enc": sealed}


def _columns(content: VoorgesprekContent) -> dict[str, Any]:
    """The row's columns for a content (without the confidential note)."""
    values = content.model_dump(mode="json", exclude={NOTE_FIELD})
    values["held_on"] = content.held_on
    values["start_time"] = content.start_time
    return values


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


def _summary(content: VoorgesprekContent, action: str) -> str:
    on = format_datum(content.held_on)
    if action == "geannuleerd":
        return f"Voorgesprek van {on} geannuleerd"
    if action == "gewijzigd":
        return f"Voorgesprek van {on} gewijzigd"
    if content.status is VoorgesprekStatus.GEPLAND:
        return f"Voorgesprek gepland op {on} ({content.mode.value})"
    wish = (
        {
            SessieWens.JA: ", sessie gewenst",
            SessieWens.NEE: ", geen sessie gewenst",
            SessieWens.LATER: ", sessie misschien later",
        }.get(content.session_wish)
        if content.session_wish
        else ""
    )
    return f"Voorgesprek gehouden op {on} ({content.mode.value}){wish}"


async def _known_organisations(session: AsyncSession, codes: Iterable[str]) -> set[str]:
    wanted = set(codes)
    rows = await session.execute(
        select(col(OrganisationRow.cbs_code)).where(col(OrganisationRow.cbs_code).in_(wanted))
    )
    return set(rows.scalars())


async def _timeline(session: AsyncSession, entries: list[dict[str, Any]]) -> None:
    if entries:
        await session.execute(insert(TimelineEntry), entries)


async def refresh_tour_status(
    session: AsyncSession, codes: Iterable[str], actor: Principal
) -> list[EventData]:
    """Derive the tour status of these organisations again; write and announce changes."""
    events: list[EventData] = []
    for code in sorted(set(codes)):
        organisation = await session.get(OrganisationRow, code, with_for_update=True)
        if organisation is None:
            continue
        states = [
            VoorgesprekState(
                VoorgesprekStatus(v.status),
                v.held_on,
                SessieWens(v.session_wish) if v.session_wish else None,
            )
            for v in await repository.voorgesprekken_of(session, code)
        ]
        current = TourStatus(organisation.tour_status)
        derived = derive_tour_status(current, states)
        if derived is current:
            continue
        event = await organisations.change(
            session,
            code,
            {"tour_status": derived.value},
            kind="tourstatus",
            summary=f"Tourstatus: {derived.value}",
            actor=actor.display_name,
            object_id=code,
        )
        events.append(event)
    return events


async def record_new(
    session: AsyncSession,
    cipher: FieldCipher,
    actor: Principal,
    items: Sequence[NewVoorgesprek],
    *,
    today: date,
) -> list[uuid.UUID]:
    """Store new voorgesprekken with their follow-ups, history, timeline and events.

    Every item is checked first; one invalid item stores nothing (raises). Items with an
    ``import_key`` that is already stored are the caller's to filter out beforehand.
    """
    if not items:
        return []
    for item in items:
        check_content(item.content, today)
    codes = {item.content.organisation_code for item in items}
    unknown = codes - await _known_organisations(session, codes)
    if unknown:
        raise UnknownOrganisation(sorted(unknown)[0])
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    timeline: list[dict[str, Any]] = []
    follow_ups: list[dict[str, Any]] = []
    events: list[EventData] = []
    for item in items:
        content = item.content
        rows.append(
            {
                "id": item.id,
                **_columns(content),
                **_sealed_note(cipher, item.id, content.confidential_note, None),
                "import_key": item.import_key,
                "created_by": actor.subject,
                "recorded_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
        action = "geimporteerd" if item.import_key else "aangemaakt"
        history.append(
            {
                "voorgesprek_id": item.id,
                "version": 1,
                "changed_by": actor.display_name,
                "changed_at": now,
                "action": action,
                "changes": changes(None, content),
            }
        )
        timeline.append(
            {
                "organisation_code": content.organisation_code,
                "at": now,
                "kind": "voorgesprek",
                "summary": _summary(content, action),
                "actor": actor.display_name,
                "object_id": str(item.id),
            }
        )
        for follow_up in item.follow_ups:
            follow_ups.append(
                {
                    "id": uuid.uuid4(),
                    "organisation_code": content.organisation_code,
                    "voorgesprek_id": item.id,
                    "description": follow_up.description,
                    "owner": follow_up.owner,
                    "due_on": follow_up.due_on,
                    "created_by": actor.subject,
                    "created_at": now,
                    "version": 1,
                }
            )
        events.extend(events_for_change(item.id, None, content, 1))
    await session.execute(insert(Voorgesprek), rows)
    await session.execute(insert(VoorgesprekChange), history)
    if follow_ups:
        await session.execute(insert(FollowUp), follow_ups)
    await _timeline(session, timeline)
    events.extend(await refresh_tour_status(session, codes, actor))
    await enqueue_many(session, events)
    return [item.id for item in items]


async def _locked(session: AsyncSession, voorgesprek_id: uuid.UUID, expected: int) -> Voorgesprek:
    row = await repository.get_voorgesprek(session, voorgesprek_id, for_update=True)
    if row is None:
        raise NotFound(str(voorgesprek_id))
    if row.version != expected:
        raise VersionConflict(row.version)
    return row


async def _store_change(
    session: AsyncSession,
    actor: Principal,
    row: Voorgesprek,
    values: dict[str, Any],
    action: str,
    diff: dict[str, list[Any]],
    content: VoorgesprekContent,
) -> int:
    version = row.version + 1
    now = datetime.now(UTC)
    await session.execute(
        update(Voorgesprek)
        .where(col(Voorgesprek.id) == row.id)
        .values(**values, version=version, updated_at=now)
    )
    await session.execute(
        insert(VoorgesprekChange).values(
            voorgesprek_id=row.id,
            version=version,
            changed_by=actor.display_name,
            changed_at=now,
            action=action,
            changes=diff,
        )
    )
    await _timeline(
        session,
        [
            {
                "organisation_code": content.organisation_code,
                "at": now,
                "kind": "voorgesprek",
                "summary": _summary(content, action),
                "actor": actor.display_name,
                "object_id": str(row.id),
            }
        ],
    )
    return version


async def record_update(
    session: AsyncSession,
    cipher: FieldCipher,
    actor: Principal,
    voorgesprek_id: uuid.UUID,
    content: VoorgesprekContent,
    *,
    expected_version: int,
    today: date,
) -> int:
    """Replace a voorgesprek's content (refused when ``expected_version`` is stale).

    Returns the new version (the same when nothing changed: no history, no events).
    """
    row = await _locked(session, voorgesprek_id, expected_version)
    check_content(content, today)
    before = content_of(row, read_note(cipher, row))
    check_transition(before.status, content.status)
    if content.organisation_code != before.organisation_code and not await _known_organisations(
        session, [content.organisation_code]
    ):
        raise UnknownOrganisation(content.organisation_code)
    diff = changes(before, content)
    if not diff:
        return row.version
    action = "gehouden" if before.status != content.status else "gewijzigd"
    values = {
        **_columns(content),
        **_sealed_note(cipher, row.id, content.confidential_note, row.wrapped_key),
    }
    version = await _store_change(session, actor, row, values, action, diff, content)
    events = events_for_change(row.id, before, content, version)
    events.extend(
        await refresh_tour_status(
            session, {before.organisation_code, content.organisation_code}, actor
        )
    )
    await enqueue_many(session, events)
    return version


async def record_cancellation(
    session: AsyncSession, actor: Principal, voorgesprek_id: uuid.UUID, *, expected_version: int
) -> int:
    row = await _locked(session, voorgesprek_id, expected_version)
    before = content_of(row)
    check_transition(before.status, VoorgesprekStatus.GEANNULEERD)
    diff = {"status": [before.status.value, VoorgesprekStatus.GEANNULEERD.value]}
    values = {"status": VoorgesprekStatus.GEANNULEERD.value}
    version = await _store_change(session, actor, row, values, "geannuleerd", diff, before)
    events = events_for_cancellation(row.id, before, version)
    events.extend(await refresh_tour_status(session, [before.organisation_code], actor))
    await enqueue_many(session, events)
    return version
