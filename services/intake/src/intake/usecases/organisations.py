"""Changing an organisation, announced the same way whichever door it came in by.

A coordinator by hand (tour status, "niet publiceren", a note), a voorgesprek (the tour
status it leads to), a session in scheduling and the register import all change organisations
through here. Every ``organisatie.gewijzigd`` intake emits is built by :func:`changed` from
the row as it is after the change, so each one carries the organisation's current
``not_published`` and arrangements against aggression.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from ontour.application.errors import NotFound, Refused
from ontour.application.unit_of_work import (
    Caller,
    UnitOfWork,
    locked,
    unit_of_work,
    unit_of_work_in,
)
from ontour.contracts.intake import (
    OrganisatieGewijzigd,
    OrganisatieVeld,
    ProtocolAntwoord,
    SessieWens,
    TourStatus,
    VoorgesprekStatus,
)
from ontour.contracts.scheduling import SessieGeannuleerd, SessieGehouden, SessieGepland
from ontour.db import Sessions
from sqlmodel.ext.asyncio.session import AsyncSession

from intake import repository
from intake.domain import protocol
from intake.domain.tour_status import (
    FollowedSession,
    VoorgesprekState,
    derive_tour_status,
    follow_sessions,
)
from intake.models import (
    OrganisationNote,
    OrganisationRow,
    ProtocolAnswer,
    TimelineEntry,
    Voorgesprek,
)

# The lock a change of an organisation takes on its row: FOR NO KEY UPDATE, which waits for
# another change but not for rows that merely reference the organisation (their foreign key
# takes FOR KEY SHARE). With FOR UPDATE two voorgesprekken of one organisation recorded at
# once deadlocked: each held the key-share lock of its new row and waited for the other's.
ROW_LOCK = {"key_share": True}


def missing(cbs_code: str) -> str:
    """What a 404 says of an organisation that does not exist (Dutch)."""
    return f"Er is geen organisatie met CBS-code {cbs_code}."


def changed(row: OrganisationRow, fields: Iterable[str]) -> OrganisatieGewijzigd:
    """The event announcing that ``fields`` changed, from the row as it is now."""
    names = [OrganisatieVeld(name) for name in fields]
    return OrganisatieGewijzigd(
        organisation_code=row.cbs_code,
        changed_fields=names,
        valid_until=row.valid_until,
        successor_code=row.successor_code,
        tour_status=TourStatus(row.tour_status) if OrganisatieVeld.TOUR_STATUS in names else None,
        not_published=row.not_published,
        **protocol.stored(row.protocol),
    )


async def update(
    session: AsyncSession,
    cbs_code: str,
    values: Mapping[str, Any],
    fields: Iterable[str] | None = None,
) -> OrganisatieGewijzigd:
    """Write ``values`` (column: value, bumping the version); the event that announces it
    (the columns written, unless ``fields`` names what changed)."""
    row = await repository.update_organisation(session, cbs_code, values)
    return changed(row, values if fields is None else fields)


async def _change(
    work: UnitOfWork, cbs_code: str, values: Mapping[str, Any], entry: TimelineEntry | None
) -> None:
    """:func:`update` with ``entry`` on the organisation's timeline (no personal data)."""
    if entry is not None:
        work.session.add(entry)
    work.enqueue(await update(work.session, cbs_code, values))


def _entry(
    cbs_code: str, *, kind: str, summary: str, actor: str | None, object_id: str | None
) -> TimelineEntry:
    return TimelineEntry(
        organisation_code=cbs_code, kind=kind, summary=summary, actor=actor, object_id=object_id
    )


async def change_tour_status(
    work: UnitOfWork,
    cbs_code: str,
    to: TourStatus,
    *,
    only_from: Collection[TourStatus] | None = None,
    entry: TimelineEntry | None,
) -> bool:
    """Move an organisation to tour status ``to`` (only from ``only_from``, when given), with
    ``entry`` on its timeline (None when the caller's own entry says why: a session's event)
    and its ``organisatie.gewijzigd``; False when it did not move (no such organisation,
    already there, or not from a status this step applies to)."""
    row = await work.session.get(
        OrganisationRow, cbs_code, with_for_update=ROW_LOCK, populate_existing=True
    )
    if row is None or row.tour_status == to:
        return False
    if only_from is not None and TourStatus(row.tour_status) not in only_from:
        return False
    await _change(work, cbs_code, {"tour_status": to.value}, entry)
    return True


def _session_entry(
    code: str, session_id: uuid.UUID, revision: int, at: datetime, summary: str
) -> TimelineEntry:
    """The timeline entry of a session's event (one per revision, at the event's moment)."""
    return TimelineEntry(
        organisation_code=code, at=at, kind="sessie", summary=summary, actor="planning",
        object_id=str(session_id), revision=revision,
    )  # fmt: skip


async def follow_session(
    session: AsyncSession, at: datetime, event: SessieGepland | SessieGehouden | SessieGeannuleerd
) -> None:
    """A session in scheduling moves the tour status and goes on the timeline, in the event
    consumer's transaction: the change commits with the inbox row that marks the event handled.

    The session's events may arrive in any order, more than once (two replicas share the
    durable): the session's own state keeps its highest revision, and the status follows
    from all the organisation's sessions as known now (:func:`follow_sessions`). The
    timeline gets what the events give in order: each planning and holding once, at the
    event's own moment ``at``, and a cancellation once the session is known to have been
    planned (a cancelled proposal is not on it), however late that planning arrives.
    """
    code, session_id = event.organisation_code, event.session_id
    if isinstance(event, SessieGepland):
        status, summary = "gepland", f"Sessie gepland op {event.on.strftime('%d-%m-%Y')}"
    elif isinstance(event, SessieGehouden):
        status, summary = "gehouden", f"Sessie gehouden op {event.held_on.strftime('%d-%m-%Y')}"
    else:
        status, summary = "geannuleerd", None
    async with unit_of_work_in(session) as work:
        organisation = await work.session.get(OrganisationRow, code, with_for_update=ROW_LOCK)
        followed = await repository.follow_session(
            session, session_id, code, status, event.revision, at
        )
        if organisation is None:
            return
        entries = []
        if summary is not None:
            entries.append(_session_entry(code, session_id, event.revision, at, summary))
        cancelled_at = followed.cancelled_at
        if followed.status == "geannuleerd" and followed.planned and cancelled_at is not None:
            summary = "Geplande sessie geannuleerd"
            cancelled = _session_entry(code, session_id, followed.revision, cancelled_at, summary)
            entries.append(cancelled)
        await repository.add_event_entries(session, entries)
        sessions = [
            FollowedSession(s.status, s.planned)
            for s in await repository.followed_sessions_of(session, code)
        ]
        to = follow_sessions(
            TourStatus(organisation.tour_status), sessions, cancelled_now=status == "geannuleerd"
        )
        await change_tour_status(work, code, to, entry=None)


async def refresh_tour_status(work: UnitOfWork, codes: Iterable[str], actor: str) -> None:
    """Derive the tour status of these organisations again from their voorgesprekken."""
    for code in sorted(set(codes)):
        organisation = await work.session.get(OrganisationRow, code, with_for_update=ROW_LOCK)
        if organisation is None:
            continue
        states = [
            VoorgesprekState(
                VoorgesprekStatus(v.status),
                v.held_on,
                SessieWens(v.session_wish) if v.session_wish else None,
            )
            for v in await repository.voorgesprekken_of(work.session, code)
        ]
        derived = derive_tour_status(TourStatus(organisation.tour_status), states)
        summary = f"Tourstatus: {derived.value}"
        entry = _entry(code, kind="tourstatus", summary=summary, actor=actor, object_id=code)
        await change_tour_status(work, code, derived, entry=entry)


# One step a coordinator takes by hand on a locked organisation, given their name: whether it
# changed anything (a value set again changes nothing and is not audited).
Step = Callable[[UnitOfWork, OrganisationRow, str], Awaitable[bool]]


async def _by_hand(
    sessions: Sessions, caller: Caller, cbs_code: str, expected_version: int, step: Step
) -> OrganisationRow:
    """A coordinator's change of the organisation at ``expected_version``: the change, its
    event and its audit record in one unit of work; the row as it is after."""
    async with unit_of_work(sessions, caller) as work:
        row = await locked(
            work.session, OrganisationRow, cbs_code, expected_version, missing=missing(cbs_code)
        )
        if await step(work, row, caller.signed_in.display_name):
            await work.audit("wijzigen", "organisatie", cbs_code)
        await work.session.refresh(row)
    return row


async def set_tour_status(
    sessions: Sessions, caller: Caller, cbs_code: str, status: TourStatus, *, expected_version: int
) -> OrganisationRow:
    """A coordinator sets the tour status by hand (after a phone call, say)."""

    async def step(work: UnitOfWork, row: OrganisationRow, actor: str) -> bool:
        summary = f"Tourstatus met de hand gezet: {status.value}"
        entry = _entry(
            row.cbs_code, kind="tourstatus", summary=summary, actor=actor, object_id=row.cbs_code
        )
        return await change_tour_status(work, row.cbs_code, status, entry=entry)

    return await _by_hand(sessions, caller, cbs_code, expected_version, step)


def _publication(not_published: bool) -> str:
    return "niet publiceren" if not_published else "publiceren"


async def set_publication(
    sessions: Sessions,
    caller: Caller,
    cbs_code: str,
    not_published: bool,
    *,
    note: str | None,
    expected_version: int,
) -> OrganisationRow:
    """Set or clear "niet publiceren"; the timeline keeps who, when, from what to what (and
    the note)."""

    async def step(work: UnitOfWork, row: OrganisationRow, actor: str) -> bool:
        if row.not_published == not_published:
            return False
        summary = f"Publicatie: {_publication(row.not_published)} → {_publication(not_published)}"
        entry = _entry(
            row.cbs_code, kind="publicatie", summary=f"{summary} ({note})" if note else summary,
            actor=actor, object_id=row.cbs_code,
        )  # fmt: skip
        await _change(work, row.cbs_code, {"not_published": not_published}, entry)
        return True

    return await _by_hand(sessions, caller, cbs_code, expected_version, step)


async def record_protocol(
    sessions: Sessions,
    caller: Caller,
    cbs_code: str,
    answers: Mapping[OrganisatieVeld, ProtocolAntwoord],
    *,
    since: date,
    today: date,
    expected_version: int,
    voorgesprek_id: uuid.UUID | None = None,
) -> OrganisationRow:
    """Record what the organisation said of its arrangements against aggression (from
    ``since``, at the voorgesprek ``voorgesprek_id`` when given): each changed answer goes
    into the history and on the timeline, the current answers onto the organisation and into
    one ``organisatie.gewijzigd`` naming the questions that changed. An answer equal to the
    current one changes nothing; a day in the future or before the current answer's day is
    refused (:func:`intake.domain.protocol.record`), and then nothing is saved."""

    async def step(work: UnitOfWork, row: OrganisationRow, actor: str) -> bool:
        if voorgesprek_id is not None:
            held = await work.session.get(Voorgesprek, voorgesprek_id)
            if held is None or held.organisation_code != row.cbs_code:
                raise Refused("geen voorgesprek met deze organisatie", "voorgesprek_id")
        current = protocol.stored(row.protocol)
        changes = protocol.record(current, answers, since, today=today)
        if not changes:
            return False
        for change in changes:
            work.session.add(ProtocolAnswer(
                organisation_code=row.cbs_code, topic=change.topic.value,
                answer=change.after.answer.value, since=change.after.since,
                voorgesprek_id=voorgesprek_id, recorded_by=actor,
            ))  # fmt: skip
            work.session.add(_entry(
                row.cbs_code, kind="protocol", summary=protocol.summary(change), actor=actor,
                object_id=str(voorgesprek_id) if voorgesprek_id else row.cbs_code,
            ))  # fmt: skip
        values = {"protocol": protocol.storable(protocol.after(current, changes))}
        fields = [change.topic.value for change in changes]
        work.enqueue(await update(work.session, row.cbs_code, values, fields))
        return True

    return await _by_hand(sessions, caller, cbs_code, expected_version, step)


async def add_note(
    sessions: Sessions, caller: Caller, cbs_code: str, text: str
) -> OrganisationNote:
    """A working note on the organisation, with its timeline entry."""
    async with unit_of_work(sessions, caller) as work:
        if await repository.get_organisation(work.session, cbs_code) is None:
            raise NotFound(missing(cbs_code))
        note_id = await repository.add_note(
            work.session, cbs_code, text, caller.signed_in.display_name
        )
        await work.audit("aanmaken", "notitie", str(note_id))
        note = await work.session.get(OrganisationNote, note_id)
        assert note is not None  # written just now, in this transaction
    return note
