"""Aftercare cases: submit, read (decrypting), match, move through the workflow.

Personal fields are sealed with the case's own data key and never leave this module in
plain text except to the caller who may see them (and the read is audited). Events name
the case only by its statistics id, with categories only under statistics consent.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NoReturn

from ontour.application.errors import Forbidden, NotFound, Refused
from ontour.application.unit_of_work import locked, save, unit_of_work
from ontour.audit import Caller
from ontour.auth.principal import Principal, Role
from ontour.contracts.aftercare import (
    CaseEvent,
    NazorgAangevraagd,
    NazorgAfgesloten,
    NazorgContactGelegd,
    NazorgGematcht,
    NazorgIngetrokken,
)
from ontour.crypto import FieldCipher
from ontour.db import Sessions
from sqlmodel.ext.asyncio.session import AsyncSession

from aftercare import repository
from aftercare.domain import workflow
from aftercare.domain.matching import Candidate, Proposal, propose
from aftercare.domain.moments import step_moment
from aftercare.domain.service_level import Alert, SlaPolicy, SlaState, alerts_due, deadline, state
from aftercare.domain.vocabulary import (
    CaseOutcome,
    CaseStatus,
    ContactMode,
    GenderWish,
    IncidentCategory,
    Referral,
    RequesterRole,
)
from aftercare.keystore import CaseKeys, field_context
from aftercare.models import CaseRow, ErasedCaseRow
from aftercare.usecases.step_changes import actor_of, propose_referrals

MISSING = "Dit verzoek bestaat niet."
AUDITED = "nazorgverzoek"  # the object type of a case in the audit log
SECRET_FIELDS = ("name", "email", "phone", "story", "notes")
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out by phone


class Erased(LookupError):
    """The case was erased: only its tombstone is left."""

    def __init__(self, tombstone: ErasedCaseRow) -> None:
        super().__init__(str(tombstone.id))
        self.tombstone = tombstone


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


def event(kind: type[CaseEvent], row: CaseRow, at: datetime, **extra: Any) -> CaseEvent:
    """A case's event, under its statistics id; categories only with statistics consent."""
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


async def _not_there(session: AsyncSession, case_id: uuid.UUID) -> NoReturn:
    """A case that is not there: it was erased (Erased, with its tombstone) or never was."""
    tombstone = await repository.get_tombstone(session, case_id)
    if tombstone is None:
        raise NotFound(MISSING)
    # Out of the session: the rollback that follows the refusal would expire it, and the
    # caller still reads it to say when and why the case was erased.
    session.expunge(tombstone)
    raise Erased(tombstone)


async def found_case(session: AsyncSession, case_id: uuid.UUID) -> CaseRow:
    row = await repository.get_case(session, case_id)
    if row is None:
        await _not_there(session, case_id)
    return row


async def locked_case(
    session: AsyncSession, case_id: uuid.UUID, expected_version: int | None
) -> CaseRow:
    """The case locked for a change, at the version the caller based it on (None: any)."""
    try:
        return await locked(session, CaseRow, case_id, expected_version, missing=MISSING)
    except NotFound:
        await _not_there(session, case_id)


def ensure_linked(viewer: Principal, row: CaseRow, reason: str) -> None:
    """A coordinator handles every case, a peer only the cases linked to them."""
    if not (viewer.has(Role.COORDINATOR) or row.peer_id == viewer.subject):
        raise Forbidden(reason)


# --- reads ----------------------------------------------------------------------------------------


async def linked_case(sessions: Sessions, caller: Caller, case_id: uuid.UUID) -> CaseRow:
    """A case the caller handles (no personal fields)."""
    async with sessions() as session:
        row = await found_case(session, case_id)
    ensure_linked(caller.signed_in, row, "Dit nazorgverzoek is niet aan u gekoppeld.")
    return row


async def read_case(
    sessions: Sessions,
    caller: Caller,
    cipher: FieldCipher,
    keys: CaseKeys,
    case_id: uuid.UUID,
) -> tuple[CaseRow, Details | None]:
    """A case with its personal fields for whoever may see them (a peer only with the
    requester's consent to share); reading them is audited."""
    viewer = caller.signed_in
    async with unit_of_work(sessions, caller) as work:
        row = await found_case(work.session, case_id)
        ensure_linked(viewer, row, "U ziet alleen de nazorgverzoeken die aan u zijn gekoppeld.")
        shared = viewer.has(Role.COORDINATOR) or row.consent_share_with_peer
        details = await _details(cipher, keys, row) if shared else None
        if details is not None:
            await work.audit("lezen", AUDITED, str(case_id))
    return row, details


async def _details(cipher: FieldCipher, keys: CaseKeys, row: CaseRow) -> Details | None:
    """The decrypted personal fields (None without a key: the case is being erased)."""
    key = await keys.key_of(cipher, row.id)
    if key is None:
        return None
    return Details(
        *(
            key.unseal(field_context(row.id, field), getattr(row, f"{field}_enc"))
            for field in SECRET_FIELDS
        )
    )


async def queue(
    sessions: Sessions,
    *,
    closed: bool = False,
    offset: int = 0,
    limit: int | None = None,
    peer_id: str | None = None,
) -> tuple[list[repository.QueuedCase], int]:
    """The open cases (the work to do), longest waiting first, or the closed and withdrawn
    ones, most recently closed first: from ``offset``, at most ``limit``, and how many there
    are in all; of everyone, or of the peer ``peer_id`` ("mijn nazorg"). No personal fields;
    only the cases asked for are read, and they are counted only when the page does not tell
    (the closed ones grow with every year)."""
    async with sessions() as session:
        rows = await repository.cases_in_queue(
            session, closed=closed, offset=offset, limit=limit, peer_id=peer_id
        )
        if limit is None or (len(rows) < limit and (rows or not offset)):
            return rows, offset + len(rows)  # the last page: nothing after it
        return rows, await repository.count_in_queue(session, closed=closed, peer_id=peer_id)


@dataclass(frozen=True, slots=True)
class QueueSummary:
    """The queue at a glance, for the coordinator's menu."""

    waiting: int  # requested, no peer yet
    at_risk: int  # open without first contact, a reminder or escalation due


def summary_of(
    open_cases: Iterable[repository.QueuedCase], now: datetime, policy: SlaPolicy
) -> QueueSummary:
    """The summary of the open cases (the closed ones neither wait nor have alerts due)."""
    waiting = at_risk = 0
    for row in open_cases:
        waiting += row.status == CaseStatus.AANGEVRAAGD
        at_risk += bool(alerts(row, now, policy))
    return QueueSummary(waiting=waiting, at_risk=at_risk)


async def queue_summary(sessions: Sessions, now: datetime, policy: SlaPolicy) -> QueueSummary:
    open_cases, _ = await queue(sessions)
    return summary_of(open_cases, now, policy)


async def by_status_link(sessions: Sessions, token: str) -> CaseRow | None:
    """The case behind a status link's secret; None when the link does not (or no longer)
    work."""
    async with sessions() as session:
        return await repository.case_by_token(session, token_hash(token))


async def _proposal_for(session: AsyncSession, row: CaseRow) -> Proposal:
    return propose(repository.match_request(row), await repository.peers_with_load(session))


async def proposal(sessions: Sessions, case_id: uuid.UUID) -> tuple[Proposal, Candidate | None]:
    """The proposal for a case's peer, and whom it proposes now (not who declined)."""
    async with sessions() as session:
        row = await found_case(session, case_id)
        found = await _proposal_for(session, row)
    return found, found.next_candidate(row.declined_by)


def service_level(
    row: CaseRow | repository.QueuedCase, now: datetime, policy: SlaPolicy
) -> tuple[datetime, SlaState]:
    due = deadline(row.requested_at, policy.working_days, policy.calendar)
    return due, state(now, due, row.contacted_at, policy)


OPEN_STATUSES = frozenset(status.value for status in workflow.OPEN)


def alerts(
    row: CaseRow | repository.QueuedCase, now: datetime, policy: SlaPolicy
) -> tuple[Alert, ...]:
    """The reminders (to the peer) and escalations (to the coordinator) due for a case."""
    if row.contacted_at is not None or row.status not in OPEN_STATUSES:
        return ()  # as alerts_due answers, without building the domain's case first
    return alerts_due(repository.as_domain(row), now, policy)


# --- changes --------------------------------------------------------------------------------------


async def submit(
    sessions: Sessions,
    caller: Caller,
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
    key = await keys.new_key(cipher, case_id)
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
        name_enc=key.seal(field_context(case_id, "name"), form.name),
        email_enc=key.seal(field_context(case_id, "email"), form.email),
        phone_enc=key.seal(field_context(case_id, "phone"), form.phone),
        story_enc=key.seal(field_context(case_id, "story"), form.story),
        requested_at=requested_at,
    )
    async with unit_of_work(sessions, caller) as work:
        session = work.session
        await repository.add_case(session, row)
        best = (await _proposal_for(session, row)).best
        row.proposed_peer_id = best.peer_id if best else None
        session.add(row)
        reported = bool(row.reported)
        work.enqueue(event(NazorgAangevraagd, row, row.requested_at, already_reported=reported))
        await work.audit("aanmaken", AUDITED, str(case_id))
    return row, token


async def assign(
    sessions: Sessions,
    caller: Caller,
    case_id: uuid.UUID,
    peer_id: str,
    *,
    expected_version: int,
    override_reason: str | None,
    matched_at: datetime | None = None,
) -> None:
    """Match a peer: the proposal, or another eligible peer with a reason (an override)."""
    async with unit_of_work(sessions, caller) as work:
        session = work.session
        row = await locked_case(session, case_id, expected_version)
        proposal = await _proposal_for(session, row)
        eligible = {c.peer_id for c in proposal.candidates}
        if peer_id not in eligible:
            reasons = next((e.reasons for e in proposal.excluded if e.peer_id == peer_id), ())
            raise Refused("deze peer kan dit verzoek niet krijgen: " + ("; ".join(reasons) or
                          "onbekende peer"))  # fmt: skip
        if proposal.best and peer_id != proposal.best.peer_id and not override_reason:
            raise Refused("wie een andere peer kiest dan het voorstel, geeft de reden op")
        now = datetime.now(UTC)
        workflow.match(repository.as_domain(row), peer_id, now)
        at = step_moment(matched_at, "matched_at", now, after=row.requested_at,
                         previous="de ontvangst van het verzoek")  # fmt: skip
        await save(
            session, row,
            status=CaseStatus.GEMATCHT.value, peer_id=peer_id, matched_at=at,
            override_reason=override_reason, proposed_peer_id=None,
        )  # fmt: skip
        work.enqueue(event(NazorgGematcht, row, at))
        await repository.note_assignment(session, peer_id, at)
        await work.audit("koppelen", AUDITED, str(case_id))


async def decline(
    sessions: Sessions,
    caller: Caller,
    case_id: uuid.UUID,
    peer_id: str,
    *,
    expected_version: int,
) -> None:
    """The matched peer declines: the case waits again, with a new proposal."""
    async with unit_of_work(sessions, caller) as work:
        session = work.session
        row = await locked_case(session, case_id, expected_version)
        if row.peer_id != peer_id:
            raise Refused("alleen de gekoppelde peer kan dit verzoek afwijzen")
        workflow.decline(repository.as_domain(row), datetime.now(UTC))
        declined = sorted({*row.declined_by, peer_id})
        row.declined_by = declined  # the new proposal passes over whoever declined
        best = (await _proposal_for(session, row)).next_candidate(declined)
        await save(
            session, row,
            status=CaseStatus.AANGEVRAAGD.value, peer_id=None, matched_at=None,
            declined_by=declined, proposed_peer_id=best.peer_id if best else None,
        )  # fmt: skip
        await work.audit("afwijzen", AUDITED, str(case_id))


async def record_contact(
    sessions: Sessions,
    caller: Caller,
    case_id: uuid.UUID,
    mode: ContactMode,
    policy: SlaPolicy,
    *,
    expected_version: int,
    contacted_at: datetime | None = None,
) -> None:
    async with unit_of_work(sessions, caller) as work:
        session = work.session
        row = await locked_case(session, case_id, expected_version)
        now = datetime.now(UTC)
        workflow.record_contact(repository.as_domain(row), now, mode)
        at = step_moment(contacted_at, "contacted_at", now, after=row.matched_at,
                         previous="de koppeling met de peer")  # fmt: skip
        due = deadline(row.requested_at, policy.working_days, policy.calendar)
        await save(
            session, row,
            status=CaseStatus.CONTACT_GELEGD.value, contacted_at=at, contact_mode=mode.value,
        )  # fmt: skip
        work.enqueue(event(NazorgContactGelegd, row, at, within_service_level=at <= due))
        await work.audit("contact", AUDITED, str(case_id))


async def start(
    sessions: Sessions, caller: Caller, case_id: uuid.UUID, *, expected_version: int
) -> None:
    async with unit_of_work(sessions, caller) as work:
        session = work.session
        row = await locked_case(session, case_id, expected_version)
        workflow.start(repository.as_domain(row), datetime.now(UTC))
        await save(session, row, status=CaseStatus.LOPEND.value)
        await work.audit("starten", AUDITED, str(case_id))


async def close(
    sessions: Sessions,
    caller: Caller,
    case_id: uuid.UUID,
    outcome: CaseOutcome,
    referrals: Sequence[Referral],
    *,
    expected_version: int,
    closed_at: datetime | None = None,
) -> None:
    async with unit_of_work(sessions, caller) as work:
        session = work.session
        row = await locked_case(session, case_id, expected_version)
        now = datetime.now(UTC)
        workflow.close(repository.as_domain(row), now, outcome, referrals)
        at = step_moment(closed_at, "closed_at", now, after=row.contacted_at,
                         previous="het eerste contact")  # fmt: skip
        chosen = sorted(set(referrals))
        await save(
            session, row,
            status=CaseStatus.AFGESLOTEN.value, closed_at=at, outcome=outcome.value,
            referrals=[r.value for r in chosen],
        )  # fmt: skip
        work.enqueue(event(NazorgAfgesloten, row, at, outcome=outcome, referrals=chosen))
        await propose_referrals(work, row, chosen, actor_of(caller))
        await work.audit("afsluiten", AUDITED, str(case_id))


async def withdraw(sessions: Sessions, token: str) -> bool:
    """The requester withdraws through their status link; False when the link does not (or
    no longer) work. Not audited: the requester has no account, the event records it."""
    async with unit_of_work(sessions) as work:
        row = await repository.case_by_token(work.session, token_hash(token))
        if row is None:
            return False
        now = datetime.now(UTC)
        workflow.withdraw(repository.as_domain(row), now)
        await save(work.session, row, status=CaseStatus.INGETROKKEN.value, closed_at=now)
        work.enqueue(event(NazorgIngetrokken, row, now))
    return True
