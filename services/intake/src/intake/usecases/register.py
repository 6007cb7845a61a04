"""Changing the register of organisations: rows and their events in one unit of work.

Both the first start (the shipped register) and ``ontour organisaties import`` go through here,
so every organisation that enters or changes in the register is announced on the bus exactly
once, through the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ontour.application.unit_of_work import UnitOfWork, unit_of_work
from ontour.contracts.intake import OrganisatieGeregistreerd, OrganisatieSoort
from ontour.db import Sessions
from ontour.observability.logging import get_logger
from sqlalchemy import text

from intake import repository
from intake.domain.register import (
    ChangeKind,
    Organisation,
    RegisterChange,
    RegisterChanges,
    plan_register_import_csv,
)
from intake.reference_data import load_register
from intake.usecases import organisations

# Serialises everything that writes the register as a whole (first load, yearly import), so
# two replicas starting together, or an import racing a first start, never interleave.
_REGISTER_LOCK = 0x6F7267616E6973

log = get_logger(__name__)


async def _lock_register(work: UnitOfWork) -> None:
    """Hold the register lock until the unit of work ends."""
    await work.session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _REGISTER_LOCK})


def registered(organisation: Organisation) -> OrganisatieGeregistreerd:
    return OrganisatieGeregistreerd(
        organisation_code=organisation.cbs_code,
        kind=OrganisatieSoort(organisation.kind.value),
        province_code=organisation.province_code,
        valid_from=organisation.valid_from,
        organisation_name=organisation.name,
        lat=organisation.lat,
        lon=organisation.lon,
    )


def _changed_fields(change: RegisterChange) -> tuple[str, ...]:
    if change.kind is ChangeKind.ENDED:
        return (
            ("valid_until", "successor_code") if change.after.successor_code else ("valid_until",)
        )
    return change.fields


async def _register(work: UnitOfWork, added: Sequence[Organisation]) -> int:
    """Add organisations not yet in the register, each announced; how many were added."""
    inserted = await repository.insert_organisations(work.session, added)
    work.enqueue(*(registered(o) for o in added if o.cbs_code in inserted))
    return len(inserted)


async def _apply_changes(work: UnitOfWork, plan: RegisterChanges) -> None:
    """Apply a checked import plan (``plan.ok``)."""
    if not plan.ok:
        raise ValueError("an import plan with errors cannot be applied")
    await _register(work, plan.added)
    for change in plan.changes:
        if change.kind is ChangeKind.ADDED:
            continue
        values = {name: getattr(change.after, name) for name in _changed_fields(change)}
        work.enqueue(await organisations.update(work.session, change.after.cbs_code, values))


async def import_register(
    sessions: Sessions,
    text: str,
    valid_from: date,
    *,
    apply: bool = True,
    allow_many_ended: bool = False,
) -> RegisterChanges:
    """Plan the import of a new year's list against the current register and, when valid
    (and ``apply``), apply it atomically."""
    async with unit_of_work(sessions) as work:
        # Planned and applied under the register lock: nobody changes it in between.
        await _lock_register(work)
        current = await repository.all_organisations(work.session)
        plan = plan_register_import_csv(
            current, text, valid_from, allow_many_ended=allow_many_ended
        )
        if plan.ok and apply:
            await _apply_changes(work, plan)
    return plan


async def load_shipped_register(sessions: Sessions) -> None:
    """On first start (an empty register), load the register shipped with the product."""
    async with unit_of_work(sessions) as work:
        await _lock_register(work)
        if await repository.count_organisations(work.session):
            return
        added = await _register(work, load_register())
    log.info("shipped register loaded", organisations=added)
