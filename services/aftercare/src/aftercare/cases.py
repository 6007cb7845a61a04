"""Aftercare cases: submit, read (decrypting), match, move through the workflow, erase.

Personal fields are sealed with the case's own data key and never leave this module in
plain text except to the caller who asked for them (and who audits the read). Events name
the case only by its statistics id, with categories only under statistics consent.

A step may be recorded after the fact (a request that came in by phone, a first contact
noted the day after): its moment is then given, never in the future nor before the step
before it, and it is the moment of the event and of the service level too.
"""

from __future__ import annotations

import calendar
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ontour.contracts.aftercare import (
    CaseEvent,
    NazorgAangevraagd,
    NazorgAfgesloten,
    NazorgContactGelegd,
    NazorgGematcht,
    NazorgGewist,
    NazorgIngetrokken,
)
from ontour.crypto import FieldCipher, RecordKey
from ontour.events import EventData
from ontour.messaging.outbox import enqueue
from sqlalchemy import delete, func, insert, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from aftercare.domain import workflow
from aftercare.domain.assignment import assign_batch
from aftercare.domain.matching import MatchRequest, PeerProfile, Proposal, propose
from aftercare.domain.service_level import (
    AMSTERDAM,
    Alert,
    SlaPolicy,
    SlaState,
    alerts_due,
    deadline,
    state,
)
from aftercare.domain.vocabulary import (
    CaseOutcome,
    CaseStatus,
    ContactMode,
    ErasureReason,
    Gender,
    GenderWish,
    IncidentCategory,
    PeerBackground,
    Referral,
    RequesterRole,
)
from aftercare.keystore import CaseKeys
from aftercare.models import CaseRow, ErasedCaseRow, PeerRow

SECRET_FIELDS = ("name", "email", "phone", "story", "notes")
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out by phone
# A moment "now" from a client whose clock runs a little ahead is taken as now.
CLOCK_SKEW = timedelta(minutes=2)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # no step of this service lies before
# Outbox rows by the subject of their CloudEvent: the statistics id, for every nazorg event.
_LOCK_EVENTS = text(
    "SELECT id FROM outbox "
    "WHERE convert_from(payload, 'UTF8')::jsonb ->> 'subject' = :subject FOR UPDATE"
)
_DELETE_SENT_EVENTS = text(
    "DELETE FROM outbox WHERE sent_at IS NOT NULL "
    "AND convert_from(payload, 'UTF8')::jsonb ->> 'subject' = :subject"
)


class NotFound(LookupError):
    pass


class Erased(LookupError):
    """The case was erased: only its tombstone is left."""

    def __init__(self, tombstone: ErasedCaseRow) -> None:
        super().__init__(str(tombstone.id))
        self.tombstone = tombstone


class VersionConflict(Exception):
    def __init__(self, current: int) -> None:
        super().__init__(f"current version is {current}")
        self.current = current


class Refused(ValueError):
    """A step the rules refuse (Dutch reason)."""


class InvalidMoment(Exception):
    """The moment given for a step cannot be: in the future, or before the step before it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _shown(moment: datetime) -> str:
    return f"{moment.astimezone(AMSTERDAM):%d-%m-%Y %H:%M}"


def step_moment(
    given: datetime | None,
    field: str,
    now: datetime,
    *,
    after: datetime | None = None,
    previous: str = "",
) -> datetime:
    """When a step happened: ``given`` (Dutch time when it has no zone) or else ``now``.

    Refused in the future, or before ``after`` (the moment of the step before, ``previous``).
    """
    if given is None:
        return now
    moment = given if given.tzinfo is not None else given.replace(tzinfo=AMSTERDAM)
    if moment > now + CLOCK_SKEW:
        raise InvalidMoment(field, "ligt in de toekomst")
    if moment < EARLIEST:
        raise InvalidMoment(field, "ligt te ver in het verleden")
    moment = min(moment.astimezone(UTC), now)
    if after is not None and moment < after:
        raise InvalidMoment(field, f"ligt vóór {previous} ({_shown(after)})")
    return moment


@dataclass(frozen=True, slots=True)
class Submission:
    """What a requester (or a coordinator taking a phone call) enters."""

    role: RequesterRole
    incident_categories: tuple[IncidentCategory, ...]
    gender_wish: GenderWish
    consent_handling: bool
    consent_share_with_peer: bool
    consent_statistics: bool
    name: str
    email: str | None = None
    phone: str | None = None
    story: str | None = None
    organisation_code: str | None = None
    province_code: str | None = None
    happened_on: date | None = None
    still_ongoing: bool | None = None
    reported: tuple[str, ...] = ()
    wants_same_background: bool = False
    contact_modes: tuple[ContactMode, ...] = ()
    language: str = "nl"
    received_at: datetime | None = None
    """When the request came in, if earlier (a coordinator entering a phone call)."""


@dataclass(frozen=True, slots=True)
class Details:
    name: str | None
    email: str | None
    phone: str | None
    story: str | None
    notes: str | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _reference() -> str:
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"NZ-{code[:4]}-{code[4:]}"


def _context(case_id: uuid.UUID, field: str) -> bytes:
    return f"aftercare-case:{case_id}:{field}".encode()


def _seal(key: RecordKey, case_id: uuid.UUID, field: str, value: str | None) -> bytes | None:
    return None if not value else key.encrypt(value, _context(case_id, field))


async def read_details(cipher: FieldCipher, keys: CaseKeys, row: CaseRow) -> Details | None:
    """The decrypted personal fields (None without a key); the caller audits the read."""
    wrapped = await keys.get(row.id)
    if wrapped is None:
        return None
    key = cipher.unwrap(wrapped)

    def opened(field: str) -> str | None:
        value = getattr(row, f"{field}_enc")
        return None if value is None else key.decrypt(bytes(value), _context(row.id, field))

    return Details(*(opened(field) for field in SECRET_FIELDS))


def _event(kind: type[CaseEvent], row: CaseRow, at: datetime, **extra: Any) -> CaseEvent:
    if row.consent_statistics:
        categories = {
            "role_category": RequesterRole(row.role),
            "incident_categories": [IncidentCategory(c) for c in row.incident_categories],
            "wants_woman": row.gender_wish == GenderWish.VROUW,
            **extra,
        }
    else:
        categories = {}
    return kind(
        case_id=row.statistics_id, at=at, statistics_consent=row.consent_statistics, **categories
    )


def peer_profile(row: PeerRow, active_cases: int) -> PeerProfile:
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


async def peers_with_load(session: AsyncSession) -> list[PeerProfile]:
    """Every peer with the number of open cases they carry (capacity is enforced on this)."""
    open_cases = (
        await session.exec(
            select(CaseRow.peer_id).where(
                col(CaseRow.status).in_(
                    [CaseStatus.GEMATCHT, CaseStatus.CONTACT_GELEGD, CaseStatus.LOPEND]
                )
            )
        )
    ).all()
    load: dict[str, int] = {}
    for peer_id in open_cases:
        if peer_id:
            load[peer_id] = load.get(peer_id, 0) + 1
    peers = (await session.exec(select(PeerRow).order_by(col(PeerRow.id)))).all()
    return [peer_profile(p, load.get(p.id, 0)) for p in peers]


async def proposal_for(session: AsyncSession, row: CaseRow) -> Proposal:
    return propose(match_request(row), await peers_with_load(session))


async def batch_proposal(session: AsyncSession) -> dict[uuid.UUID, str | None]:
    """The optimal peer for every waiting request together (min-cost assignment): when
    capacity is scarce, whoever waited longest is served first."""
    waiting = (
        await session.exec(
            select(CaseRow)
            .where(col(CaseRow.status) == CaseStatus.AANGEVRAAGD)
            .order_by(col(CaseRow.requested_at))
        )
    ).all()
    chosen = assign_batch([match_request(row) for row in waiting], await peers_with_load(session))
    return {row.id: chosen.get(str(row.id)) for row in waiting}


async def submit(
    session: AsyncSession,
    cipher: FieldCipher,
    keys: CaseKeys,
    form: Submission,
    *,
    entered_by: str | None,
) -> tuple[CaseRow, str]:
    """Store a request and announce it; returns the case and its status-link secret."""
    if not form.consent_handling:
        raise Refused("zonder toestemming voor de behandeling kunnen wij niets bewaren")
    requested_at = step_moment(form.received_at, "received_at", datetime.now(UTC))
    token = secrets.token_urlsafe(24)
    case_id = uuid.uuid4()
    wrapped = cipher.new_data_key()
    key = cipher.unwrap(wrapped)
    # The key is stored first: should the transaction then fail, an unused key is left over,
    # never a case whose data cannot be read.
    await keys.put(case_id, wrapped)
    row = CaseRow(
        id=case_id,
        reference=_reference(),
        status_token_hash=token_hash(token),
        status=CaseStatus.AANGEVRAAGD.value,
        role=form.role.value,
        incident_categories=[c.value for c in form.incident_categories],
        organisation_code=form.organisation_code,
        province_code=form.province_code,
        happened_on=form.happened_on,
        still_ongoing=form.still_ongoing,
        reported=list(form.reported),
        gender_wish=form.gender_wish.value,
        wants_same_background=form.wants_same_background,
        contact_modes=[m.value for m in form.contact_modes],
        language=form.language,
        consent_handling=True,
        consent_share_with_peer=form.consent_share_with_peer,
        consent_statistics=form.consent_statistics,
        entered_by=entered_by,
        name_enc=_seal(key, case_id, "name", form.name),
        email_enc=_seal(key, case_id, "email", form.email),
        phone_enc=_seal(key, case_id, "phone", form.phone),
        story_enc=_seal(key, case_id, "story", form.story),
        requested_at=requested_at,
    )
    session.add(row)
    await session.flush()
    best = (await proposal_for(session, row)).best
    row.proposed_peer_id = best.peer_id if best else None
    session.add(row)
    await enqueue(session, _event(NazorgAangevraagd, row, row.requested_at))
    return row, token


async def locked(session: AsyncSession, case_id: uuid.UUID, expected: int | None) -> CaseRow:
    row = (
        await session.exec(select(CaseRow).where(col(CaseRow.id) == case_id).with_for_update())
    ).first()
    if row is None:
        tombstone = await session.get(ErasedCaseRow, case_id)
        raise NotFound(str(case_id)) if tombstone is None else Erased(tombstone)
    if expected is not None and row.version != expected:
        raise VersionConflict(row.version)
    return row


def _as_domain(row: CaseRow) -> workflow.AftercareCase:
    return workflow.AftercareCase(
        case_id=str(row.id),
        requested_at=row.requested_at,
        status=CaseStatus(row.status),
        peer_id=row.peer_id,
        declined_by=frozenset(row.declined_by),
        contacted_at=row.contacted_at,
    )


async def _store(
    session: AsyncSession, row: CaseRow, event: EventData | None, **values: object
) -> None:
    await session.execute(
        update(CaseRow).where(col(CaseRow.id) == row.id).values(**values, version=row.version + 1)
    )
    if event is not None:
        await enqueue(session, event)


async def assign(
    session: AsyncSession,
    case_id: uuid.UUID,
    peer_id: str,
    *,
    expected_version: int,
    override_reason: str | None,
    matched_at: datetime | None = None,
) -> None:
    """Match a peer: the proposal, or another eligible peer with a reason (an override)."""
    row = await locked(session, case_id, expected_version)
    proposal = await proposal_for(session, row)
    eligible = {c.peer_id for c in proposal.candidates}
    if peer_id not in eligible:
        reasons = next((e.reasons for e in proposal.excluded if e.peer_id == peer_id), ())
        raise Refused("deze peer kan dit verzoek niet krijgen: " + ("; ".join(reasons) or
                      "onbekende peer"))  # fmt: skip
    if proposal.best and peer_id != proposal.best.peer_id and not override_reason:
        raise Refused("wie een andere peer kiest dan het voorstel, geeft de reden op")
    now = datetime.now(UTC)
    try:
        workflow.match(_as_domain(row), peer_id, now)
    except workflow.DomainError as error:
        raise Refused(str(error)) from None
    at = step_moment(matched_at, "matched_at", now, after=row.requested_at,
                     previous="de ontvangst van het verzoek")  # fmt: skip
    await _store(
        session, row, _event(NazorgGematcht, row, at),
        status=CaseStatus.GEMATCHT.value, peer_id=peer_id, matched_at=at,
        override_reason=override_reason, proposed_peer_id=None,
    )  # fmt: skip
    # The most recent assignment counts for spreading, also when this one is entered late.
    latest = func.greatest(func.coalesce(col(PeerRow.last_assigned_at), at), at)
    await session.execute(
        update(PeerRow).where(col(PeerRow.id) == peer_id).values(last_assigned_at=latest)
    )


async def decline(
    session: AsyncSession, case_id: uuid.UUID, peer_id: str, *, expected_version: int
) -> None:
    """The matched peer declines: the case waits again, with a new proposal."""
    row = await locked(session, case_id, expected_version)
    if row.peer_id != peer_id:
        raise Refused("alleen de gekoppelde peer kan dit verzoek afwijzen")
    try:
        workflow.decline(_as_domain(row), datetime.now(UTC))
    except workflow.DomainError as error:
        raise Refused(str(error)) from None
    declined = sorted({*row.declined_by, peer_id})
    row.declined_by = declined
    best = (await proposal_for(session, row)).next_candidate(declined)
    await _store(
        session, row, None,
        status=CaseStatus.AANGEVRAAGD.value, peer_id=None, matched_at=None,
        declined_by=declined, proposed_peer_id=best.peer_id if best else None,
    )  # fmt: skip


async def record_contact(
    session: AsyncSession,
    case_id: uuid.UUID,
    mode: ContactMode,
    policy: SlaPolicy,
    *,
    expected_version: int,
    contacted_at: datetime | None = None,
) -> None:
    row = await locked(session, case_id, expected_version)
    now = datetime.now(UTC)
    try:
        workflow.record_contact(_as_domain(row), now, mode)
    except workflow.DomainError as error:
        raise Refused(str(error)) from None
    at = step_moment(contacted_at, "contacted_at", now, after=row.matched_at,
                     previous="de koppeling met de peer")  # fmt: skip
    due = deadline(row.requested_at, policy.working_days, policy.calendar)
    event = _event(NazorgContactGelegd, row, at, within_service_level=at <= due)
    await _store(
        session, row, event,
        status=CaseStatus.CONTACT_GELEGD.value, contacted_at=at, contact_mode=mode.value,
    )  # fmt: skip


async def start(session: AsyncSession, case_id: uuid.UUID, *, expected_version: int) -> None:
    row = await locked(session, case_id, expected_version)
    try:
        workflow.start(_as_domain(row), datetime.now(UTC))
    except workflow.DomainError as error:
        raise Refused(str(error)) from None
    await _store(session, row, None, status=CaseStatus.LOPEND.value)


async def close(
    session: AsyncSession,
    case_id: uuid.UUID,
    outcome: CaseOutcome,
    referrals: Sequence[Referral],
    *,
    expected_version: int,
    closed_at: datetime | None = None,
) -> None:
    row = await locked(session, case_id, expected_version)
    now = datetime.now(UTC)
    try:
        workflow.close(_as_domain(row), now, outcome, referrals)
    except workflow.DomainError as error:
        raise Refused(str(error)) from None
    at = step_moment(closed_at, "closed_at", now, after=row.contacted_at,
                     previous="het eerste contact")  # fmt: skip
    event = _event(NazorgAfgesloten, row, at, outcome=outcome, referrals=sorted(set(referrals)))
    await _store(
        session, row, event,
        status=CaseStatus.AFGESLOTEN.value, closed_at=at, outcome=outcome.value,
        referrals=[r.value for r in sorted(set(referrals))],
    )  # fmt: skip


async def withdraw(session: AsyncSession, row: CaseRow) -> None:
    """The requester withdraws (from the status link, or a coordinator on their behalf)."""
    now = datetime.now(UTC)
    try:
        workflow.withdraw(_as_domain(row), now)
    except workflow.DomainError as error:
        raise Refused(str(error)) from None
    await _store(
        session, row, _event(NazorgIngetrokken, row, now),
        status=CaseStatus.INGETROKKEN.value, closed_at=now,
    )  # fmt: skip


async def erase(session: AsyncSession, keys: CaseKeys, row: CaseRow, reason: ErasureReason) -> None:
    """Erase a case: its key is destroyed (crypto-shredding, so a backup made before cannot
    be read either) and its row deleted, leaving a tombstone (id, reference, when, why).

    The erasure event still tells reporting, under the statistics id; after that the
    database keeps nothing that names that id (:func:`_forget_events`).
    """
    now = datetime.now(UTC)
    await keys.destroy(row.id)
    await enqueue(session, _event(NazorgGewist, row, now))
    await _forget_events(session, row.statistics_id)
    await session.execute(
        insert(ErasedCaseRow).values(
            id=row.id, reference=row.reference, erased_at=now, reason=reason.value
        )
    )
    await session.execute(delete(CaseRow).where(col(CaseRow.id) == row.id))


async def _forget_events(session: AsyncSession, statistics_id: uuid.UUID) -> None:
    """Delete the case's sent events from the outbox; those not sent yet must still reach
    reporting, and go the moment the relay marks them sent (a trigger, migration 0004, for
    events whose case no longer exists).

    Locking the rows first waits for a relay that is publishing them right now, so that its
    mark is seen here and no sent event slips through between the two.
    """
    subject = {"subject": str(statistics_id)}
    await session.execute(_LOCK_EVENTS, subject)
    await session.execute(_DELETE_SENT_EVENTS, subject)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day ``months`` earlier (the month's last day when that day does not exist)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


async def erase_expired(session: AsyncSession, keys: CaseKeys, months: int, now: datetime) -> int:
    """Erase every case closed (or withdrawn) more than ``months`` ago; how many."""
    cutoff = months_before(now, months)
    rows = (
        await session.exec(select(CaseRow).where(col(CaseRow.closed_at) < cutoff).with_for_update())
    ).all()
    for row in rows:
        await erase(session, keys, row, ErasureReason.END_OF_RETENTION)
    return len(rows)


def alerts(row: CaseRow, now: datetime, policy: SlaPolicy) -> tuple[Alert, ...]:
    """The reminders (to the peer) and escalations (to the coordinator) due for a case."""
    return alerts_due(_as_domain(row), now, policy)


async def rewrap_keys(cipher: FieldCipher, keys: CaseKeys, case_ids: Sequence[uuid.UUID]) -> int:
    """Wrap every case key again with the newest master key (after a master-key rotation);
    how many were rewrapped. The data itself is not touched."""
    done = 0
    for case_id in case_ids:
        wrapped = await keys.get(case_id)
        if wrapped is not None:
            await keys.put(case_id, cipher.rewrap(wrapped))
            done += 1
    return done


def service_level(row: CaseRow, now: datetime, policy: SlaPolicy) -> tuple[datetime, SlaState]:
    due = deadline(row.requested_at, policy.working_days, policy.calendar)
    return due, state(now, due, row.contacted_at, policy)
