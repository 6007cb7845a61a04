"""Writing one change of a step, inside a use case's unit of work: for the step use cases
(:mod:`aftercare.usecases.steps`) and for closing a case, whose referrals become steps
proposed by whoever closes it (:mod:`aftercare.usecases.cases`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from ontour.application.unit_of_work import UnitOfWork, save
from ontour.audit import Caller
from ontour.auth.principal import Role
from ontour.contracts.aftercare import NazorgStapGewijzigd
from sqlmodel import col, select

from aftercare.domain.steps import (
    KIND_OF_REFERRAL,
    Actor,
    ForgoneReason,
    StepChange,
    StepKind,
    StepStatus,
    change_step,
)
from aftercare.domain.vocabulary import Referral
from aftercare.models import CaseRow, StepChangeRow, StepRow


@dataclass(frozen=True, slots=True)
class StepInput:
    """What someone records of a step."""

    kind: StepKind
    status: StepStatus
    reason: ForgoneReason | None = None
    registration_number: str | None = None


async def record(
    work: UnitOfWork, row: CaseRow, given: StepInput, actor: Actor, sealed: bytes | None = None
) -> None:
    """Record one step of a locked case: a new one, or a change of the case's step of that
    kind (the rules of :func:`~aftercare.domain.steps.change_step`)."""
    session = work.session
    query = (
        select(StepRow)
        .where(col(StepRow.case_id) == row.id, col(StepRow.kind) == given.kind.value)
        .with_for_update()
    )
    step = (await session.exec(query)).first()
    current = StepStatus(step.status) if step else None
    change = change_step(current, StepChange(given.kind, given.status, given.reason, actor))
    now = datetime.now(UTC)
    reason = change.reason.value if change.reason else None
    if step is None:
        step = StepRow(case_id=row.id, kind=change.kind.value, status=change.status.value,
                       reason=reason, registration_number_enc=sealed, changed_at=now)  # fmt: skip
        session.add(step)
        await session.flush()
        revision = step.version
    else:
        values: dict[str, object] = {"status": change.status.value, "reason": reason,
                                     "changed_at": now}  # fmt: skip
        if sealed is not None:
            values["registration_number_enc"] = sealed
        revision = await save(session, step, **values)
    session.add(StepChangeRow(step_id=step.id, status=change.status.value, reason=reason,
                              actor=actor.value, at=now))  # fmt: skip
    if row.consent_statistics:
        announced = NazorgStapGewijzigd(
            case_id=row.statistics_id, at=now, kind=change.kind, status=change.status,
            reason=change.reason, revision=revision,
        )  # fmt: skip
        work.enqueue(announced)


def actor_of(caller: Caller) -> Actor:
    """Who a signed-in caller records a step as."""
    return Actor.COORDINATOR if caller.signed_in.has(Role.COORDINATOR) else Actor.PEER


async def propose_referrals(
    work: UnitOfWork, row: CaseRow, referrals: Iterable[Referral], actor: Actor
) -> None:
    """The referrals of a case being closed, as steps proposed by whoever closes it (a step
    that is there already stays as it is)."""
    query = select(StepRow.kind).where(col(StepRow.case_id) == row.id)
    present = set((await work.session.exec(query)).all())
    for kind in dict.fromkeys(KIND_OF_REFERRAL[referral] for referral in referrals):
        if kind.value not in present:
            await record(work, row, StepInput(kind, StepStatus.VOORGESTELD), actor)
