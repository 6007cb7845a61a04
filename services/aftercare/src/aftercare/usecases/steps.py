"""The steps of a case (:mod:`aftercare.domain.steps`): record and change them, read them,
and the reminders for steps that stand still.

The requester records from their status link (no account, not audited: the history says
"aanvrager"); the peer and the coordinator from the case page or the API. The police's
registration number of an aangifte is sealed with the case's key and its every read is
audited. Under statistics consent each change is announced as ``nazorg.stap-gewijzigd`` with
the step alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ontour.application.errors import Refused
from ontour.application.unit_of_work import unit_of_work
from ontour.audit import Caller
from ontour.auth.principal import Role
from ontour.crypto import FieldCipher
from ontour.db import Sessions
from sqlalchemy import ARRAY, Uuid, any_, bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from aftercare import repository
from aftercare.domain import workflow
from aftercare.domain.service_level import Alert
from aftercare.domain.steps import (
    Actor,
    ForgoneReason,
    StepKind,
    StepStatus,
    registration_number,
    step_reminder,
)
from aftercare.domain.vocabulary import CaseStatus
from aftercare.keystore import CaseKeys, field_context
from aftercare.models import CaseRow, StepChangeRow, StepRow
from aftercare.usecases import step_changes
from aftercare.usecases.cases import AUDITED, ensure_linked, found_case, locked_case, token_hash

REGISTRATION = "registration_number"  # the sealed field of a step
_NO_KEY = "De gegevens van dit verzoek worden gewist; er kan niets meer bij."


@dataclass(frozen=True, slots=True)
class Step:
    """A step as the pages and the API show it; the registration number only to whoever
    may see the case's personal data (and then audited)."""

    kind: StepKind
    status: StepStatus
    reason: ForgoneReason | None
    changed_at: datetime
    history: tuple[tuple[StepStatus, ForgoneReason | None, Actor, datetime], ...]
    registration_number: str | None = None


async def _steps_of(session: AsyncSession, case_id: uuid.UUID) -> list[StepRow]:
    query = select(StepRow).where(col(StepRow.case_id) == case_id).order_by(col(StepRow.kind))
    return list((await session.exec(query)).all())


async def _history(
    session: AsyncSession, steps: Sequence[StepRow]
) -> dict[uuid.UUID, list[StepChangeRow]]:
    query = (
        select(StepChangeRow)
        .where(col(StepChangeRow.step_id).in_([step.id for step in steps]))
        .order_by(col(StepChangeRow.at))
    )
    history: dict[uuid.UUID, list[StepChangeRow]] = {step.id: [] for step in steps}
    for change in (await session.exec(query)).all():
        history[change.step_id].append(change)
    return history


def _change_of(
    change: StepChangeRow,
) -> tuple[StepStatus, ForgoneReason | None, Actor, datetime]:
    reason = ForgoneReason(change.reason) if change.reason else None
    return StepStatus(change.status), reason, Actor(change.actor), change.at


async def _shown(
    session: AsyncSession, steps: Sequence[StepRow], numbers: dict[uuid.UUID, str | None]
) -> list[Step]:
    history = await _history(session, steps)
    return [
        Step(
            kind=StepKind(step.kind),
            status=StepStatus(step.status),
            reason=ForgoneReason(step.reason) if step.reason else None,
            changed_at=step.changed_at,
            history=tuple(_change_of(c) for c in history[step.id]),
            registration_number=numbers.get(step.id),
        )
        for step in steps
    ]


# --- reads ----------------------------------------------------------------------------------------


async def steps_of_case(
    sessions: Sessions, caller: Caller, cipher: FieldCipher, keys: CaseKeys, case_id: uuid.UUID
) -> list[Step]:
    """A case's steps for its peer or a coordinator; registration numbers only for whoever
    may see the case's personal data, and reading one is audited."""
    viewer = caller.signed_in
    async with unit_of_work(sessions, caller) as work:
        row = await found_case(work.session, case_id)
        ensure_linked(viewer, row, "U ziet alleen de nazorgverzoeken die aan u zijn gekoppeld.")
        steps = await _steps_of(work.session, case_id)
        numbers: dict[uuid.UUID, str | None] = {}
        sealed = [step for step in steps if step.registration_number_enc is not None]
        if sealed and (viewer.has(Role.COORDINATOR) or row.consent_share_with_peer):
            key = await keys.key_of(cipher, row.id)
            if key is not None:
                context = field_context(row.id, REGISTRATION)
                numbers = {s.id: key.unseal(context, s.registration_number_enc) for s in sealed}
                await work.audit("lezen", AUDITED, str(case_id), {"gegeven": REGISTRATION})
        return await _shown(work.session, steps, numbers)


async def steps_by_status_link(sessions: Sessions, row: CaseRow) -> list[Step]:
    """The steps the requester sees on their status page (never the registration number:
    the status link is a secret, but it is not a sign-in)."""
    async with sessions() as session:
        return await _shown(session, await _steps_of(session, row.id), {})


async def reminders(
    sessions: Sessions, case_ids: Iterable[uuid.UUID], now: datetime, working_days: int
) -> dict[uuid.UUID, list[Alert]]:
    """The reminders to the peer for steps that stand still, per open case of ``case_ids``."""
    wanted = list(case_ids)
    query = (
        select(StepRow.case_id, StepRow.kind, StepRow.status, StepRow.changed_at)
        .join(CaseRow, col(CaseRow.id) == col(StepRow.case_id))
        # One array parameter: an IN list of the whole queue's ids costs more to compile
        # than the query takes.
        .where(col(StepRow.case_id) == any_(bindparam("wanted", wanted, ARRAY(Uuid))))
        .where(col(CaseRow.status).in_([status.value for status in workflow.OPEN]))
        .order_by(col(StepRow.changed_at))
    )
    found: dict[uuid.UUID, list[Alert]] = {}
    async with sessions() as session:
        for case_id, kind, status, changed_at in (await session.exec(query)).all():
            alert = step_reminder(StepKind(kind), StepStatus(status), changed_at, now,
                                  working_days)  # fmt: skip
            if alert is not None:
                found.setdefault(case_id, []).append(alert)
    return found


# --- changes --------------------------------------------------------------------------------------


async def _sealed_number(
    cipher: FieldCipher, keys: CaseKeys, row: CaseRow, given: step_changes.StepInput
) -> bytes | None:
    """The registration number given (checked), sealed with the case's key."""
    number = registration_number(given.kind, given.registration_number)
    if number is None:
        return None
    key = await keys.key_of(cipher, row.id)
    if key is None:
        raise Refused(_NO_KEY)
    return key.seal(field_context(row.id, REGISTRATION), number)


async def record_step(
    sessions: Sessions,
    caller: Caller,
    cipher: FieldCipher,
    keys: CaseKeys,
    case_id: uuid.UUID,
    given: step_changes.StepInput,
) -> None:
    """The peer or a coordinator records a step (or changes it)."""
    async with unit_of_work(sessions, caller) as work:
        row = await locked_case(work.session, case_id, None)
        ensure_linked(caller.signed_in, row, "Dit nazorgverzoek is niet aan u gekoppeld.")
        sealed = await _sealed_number(cipher, keys, row, given)
        await step_changes.record(work, row, given, step_changes.actor_of(caller), sealed)
        await work.audit("stap vastleggen", AUDITED, str(case_id), {"stap": given.kind.value})


async def record_step_by_status_link(
    sessions: Sessions,
    cipher: FieldCipher,
    keys: CaseKeys,
    token: str,
    given: step_changes.StepInput,
) -> bool:
    """The requester records what they did, from their status link; False when the link does
    not (or no longer) work. Not audited: the requester has no account, the step's history
    says who."""
    async with unit_of_work(sessions) as work:
        found = await repository.case_by_token(work.session, token_hash(token))
        if found is None:
            return False
        row = await locked_case(work.session, found.id, None)
        if row.status == CaseStatus.INGETROKKEN:
            raise Refused("u heeft dit verzoek ingetrokken")
        sealed = await _sealed_number(cipher, keys, row, given)
        await step_changes.record(work, row, given, Actor.AANVRAGER, sealed)
    return True
