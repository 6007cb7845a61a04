"""Recording voorgesprekken: the row, its history, the organisation's timeline and tour
status, the audit record and the events, in one unit of work.

The API, the pages and the bulk import all come through here, so a change is stored and
announced the same way whichever door it came in by. New voorgesprekken are written in bulk
(core INSERTs), which keeps an import of thousands of rows to a few statements.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ontour.application.errors import Forbidden, NotFound, Refused
from ontour.application.unit_of_work import (
    Caller,
    UnitOfWork,
    ensure_version,
    locked,
    save,
    unit_of_work,
)
from ontour.auth.principal import Principal, Role
from ontour.contracts.intake import VoorgesprekStatus
from ontour.crypto import FieldCipher
from ontour.db import Sessions
from ontour.events import EventData
from sqlalchemy import insert, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.domain.voorgesprek import (
    VoorgesprekContent,
    changes,
    check_content,
    check_transition,
    events_for_cancellation,
    events_for_change,
    timeline_summary,
)
from intake.models import (
    FollowUp,
    OrganisationRow,
    TimelineEntry,
    Voorgesprek,
    VoorgesprekChange,
)
from intake.repository import content_of
from intake.usecases.organisations import refresh_tour_status

NOTE_FIELD = "confidential_note"
MISSING = "Dit voorgesprek bestaat niet."
NOT_YOURS = "U kunt alleen voorgesprekken wijzigen die u zelf voerde."


class UnknownOrganisation(Refused):
    def __init__(self, code: str) -> None:
        super().__init__(f"er is geen organisatie met CBS-code {code}", "organisation_code")
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


def may_edit(principal: Principal, row: Voorgesprek) -> bool:
    """Coordinators edit every voorgesprek; a teamlid the ones they held."""
    return principal.has(Role.COORDINATOR) or principal.subject in row.teamleden


def ensure_editor(principal: Principal, row: Voorgesprek, refusal: str = NOT_YOURS) -> None:
    """Refuse (403) a caller who may not change this voorgesprek, or see its note."""
    if not may_edit(principal, row):
        raise Forbidden(refusal)


def _note_context(voorgesprek_id: uuid.UUID) -> bytes:
    return f"voorgesprek:{voorgesprek_id}:{NOTE_FIELD}".encode()


def read_note(cipher: FieldCipher, row: Voorgesprek) -> str | None:
    """The decrypted confidential note (the caller audits the read)."""
    if row.wrapped_key is None:
        return None
    return cipher.unwrap(row.wrapped_key).unseal(_note_context(row.id), row.confidential_note_enc)


def _sealed_note(
    cipher: FieldCipher, voorgesprek_id: uuid.UUID, note: str | None, wrapped: bytes | None
) -> dict[str, Any]:
    if not note:  # no key is made for a voorgesprek without a note
        return {"wrapped_key": wrapped, "confidential_note_enc": None}
    wrapped = wrapped or cipher.new_data_key()
    sealed = cipher.unwrap(wrapped).seal(_note_context(voorgesprek_id), note)
    return {"wrapped_key": wrapped, "confidential_note_enc": sealed}


def _columns(content: VoorgesprekContent) -> dict[str, Any]:
    """The row's columns for a content (without the confidential note)."""
    values = content.model_dump(mode="json", exclude={NOTE_FIELD})
    values["held_on"] = content.held_on
    values["start_time"] = content.start_time
    return values


async def _known_organisations(session: AsyncSession, codes: Iterable[str]) -> set[str]:
    wanted = set(codes)
    rows = await session.execute(
        select(col(OrganisationRow.cbs_code)).where(col(OrganisationRow.cbs_code).in_(wanted))
    )
    return set(rows.scalars())


def _timeline_entry(
    content: VoorgesprekContent,
    action: str,
    actor: Principal,
    voorgesprek_id: uuid.UUID,
    at: datetime,
) -> dict[str, Any]:
    return {
        "organisation_code": content.organisation_code,
        "at": at,
        "kind": "voorgesprek",
        "summary": timeline_summary(content, action),
        "actor": actor.display_name,
        "object_id": str(voorgesprek_id),
    }


async def record_new(
    work: UnitOfWork,
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
    unknown = codes - await _known_organisations(work.session, codes)
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
        timeline.append(_timeline_entry(content, action, actor, item.id, now))
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
    await work.session.execute(insert(Voorgesprek), rows)
    await work.session.execute(insert(VoorgesprekChange), history)
    if follow_ups:
        await work.session.execute(insert(FollowUp), follow_ups)
    await work.session.execute(insert(TimelineEntry), timeline)
    work.enqueue(*events)
    await refresh_tour_status(work, codes, actor.display_name)
    return [item.id for item in items]


async def create(
    sessions: Sessions, cipher: FieldCipher, caller: Caller, item: NewVoorgesprek, *, today: date
) -> None:
    """Record one voorgesprek (planned or held), with its follow-ups."""
    async with unit_of_work(sessions, caller) as work:
        await record_new(work, cipher, caller.signed_in, [item], today=today)
        await work.audit("aanmaken", "voorgesprek", str(item.id))


async def _store_change(
    work: UnitOfWork,
    actor: Principal,
    row: Voorgesprek,
    values: dict[str, Any],
    action: str,
    diff: dict[str, list[Any]],
    content: VoorgesprekContent,
) -> int:
    version = await save(work.session, row, **values)
    now = datetime.now(UTC)
    await work.session.execute(
        insert(VoorgesprekChange).values(
            voorgesprek_id=row.id,
            version=version,
            changed_by=actor.display_name,
            changed_at=now,
            action=action,
            changes=diff,
        )
    )
    await work.session.execute(
        insert(TimelineEntry), [_timeline_entry(content, action, actor, row.id, now)]
    )
    return version


async def update(
    sessions: Sessions,
    cipher: FieldCipher,
    caller: Caller,
    voorgesprek_id: uuid.UUID,
    changed: Mapping[str, Any],
    *,
    expected_version: int,
    today: date,
) -> None:
    """Change the fields in ``changed`` (the rest stays); refused when ``expected_version``
    is stale. Nothing changed: no history and no events (the attempt is still audited).

    Raises pydantic's ``ValidationError`` when the changed content is invalid as such.
    """
    actor = caller.signed_in
    async with unit_of_work(sessions, caller) as work:
        row = await locked(work.session, Voorgesprek, voorgesprek_id, None, missing=MISSING)
        ensure_editor(actor, row)
        before = content_of(row, read_note(cipher, row))
        content = VoorgesprekContent.model_validate({**before.model_dump(), **changed})
        ensure_version(row, expected_version)
        check_content(content, today)
        check_transition(before.status, content.status)
        if content.organisation_code != before.organisation_code and not (
            await _known_organisations(work.session, [content.organisation_code])
        ):
            raise UnknownOrganisation(content.organisation_code)
        diff = changes(before, content)
        if diff:
            action = "gehouden" if before.status != content.status else "gewijzigd"
            values = {
                **_columns(content),
                **_sealed_note(cipher, row.id, content.confidential_note, row.wrapped_key),
            }
            version = await _store_change(work, actor, row, values, action, diff, content)
            work.enqueue(*events_for_change(row.id, before, content, version))
            codes = {before.organisation_code, content.organisation_code}
            await refresh_tour_status(work, codes, actor.display_name)
        await work.audit("wijzigen", "voorgesprek", str(voorgesprek_id))


async def cancel(
    sessions: Sessions, caller: Caller, voorgesprek_id: uuid.UUID, *, expected_version: int
) -> None:
    """Cancel a planned voorgesprek."""
    actor = caller.signed_in
    async with unit_of_work(sessions, caller) as work:
        row = await locked(work.session, Voorgesprek, voorgesprek_id, None, missing=MISSING)
        ensure_editor(actor, row, "U kunt alleen voorgesprekken annuleren die u zelf voert.")
        ensure_version(row, expected_version)
        before = content_of(row)
        check_transition(before.status, VoorgesprekStatus.GEANNULEERD)
        diff = {"status": [before.status.value, VoorgesprekStatus.GEANNULEERD.value]}
        values = {"status": VoorgesprekStatus.GEANNULEERD.value}
        version = await _store_change(work, actor, row, values, "geannuleerd", diff, before)
        work.enqueue(*events_for_cancellation(row.id, before, version))
        await refresh_tour_status(work, [before.organisation_code], actor.display_name)
        await work.audit("annuleren", "voorgesprek", str(voorgesprek_id))


async def with_note(
    sessions: Sessions, cipher: FieldCipher, caller: Caller, voorgesprek_id: uuid.UUID, *,
    refusal: str = NOT_YOURS, audit_without_note: bool = True,
) -> tuple[Voorgesprek, str | None]:  # fmt: skip
    """A voorgesprek with its confidential note, for its editors only; the read is audited
    (``audit_without_note``: also when there is no note to read)."""
    async with unit_of_work(sessions, caller) as work:
        row = await work.session.get(Voorgesprek, voorgesprek_id)
        if row is None:
            raise NotFound(MISSING)
        ensure_editor(caller.signed_in, row, refusal)
        note = read_note(cipher, row)
        if note is not None or audit_without_note:
            await work.audit("lezen", "voorgesprek-notitie", str(voorgesprek_id))
    return row, note
