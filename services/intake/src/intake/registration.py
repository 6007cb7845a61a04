"""Changing the register of organisations: rows and their events in one transaction.

Both the first start (the shipped register) and ``ontour organisaties import`` go through here,
so every organisation that enters or changes in the register is announced on the bus exactly
once, through the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence

from ontour.contracts.intake import OrganisatieGeregistreerd, OrganisatieSoort
from ontour.db import transaction
from ontour.messaging.outbox import enqueue
from ontour.observability.logging import get_logger
from ontour.service import Runtime
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from intake import organisations, repository
from intake.domain.register import ChangeKind, Organisation, RegisterChange, RegisterChanges
from intake.reference_data import load_register

# Serialises everything that writes the register as a whole (first load, yearly import), so
# two replicas starting together, or an import racing a first start, never interleave.
_REGISTER_LOCK = 0x6F7267616E6973

log = get_logger(__name__)


async def lock_register(session: AsyncSession) -> None:
    """Hold the register lock until the caller's transaction ends."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _REGISTER_LOCK})


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


async def register(session: AsyncSession, organisations: Sequence[Organisation]) -> int:
    """Add organisations not yet in the register, each announced; how many were added."""
    inserted = await repository.insert_organisations(session, organisations)
    for organisation in organisations:
        if organisation.cbs_code in inserted:
            await enqueue(session, registered(organisation))
    return len(inserted)


async def apply_changes(session: AsyncSession, plan: RegisterChanges) -> None:
    """Apply a checked import plan (``plan.ok``) inside the caller's transaction."""
    if not plan.ok:
        raise ValueError("an import plan with errors cannot be applied")
    await register(session, plan.added)
    for change in plan.changes:
        if change.kind is ChangeKind.ADDED:
            continue
        values = {name: getattr(change.after, name) for name in _changed_fields(change)}
        await enqueue(session, await organisations.update(session, change.after.cbs_code, values))


async def load_shipped_register(runtime: Runtime) -> None:
    """On first start (an empty register), load the register shipped with the product."""
    async with transaction(runtime.sessions) as session:
        await lock_register(session)
        if await repository.count_organisations(session):
            return
        added = await register(session, load_register())
    log.info("shipped register loaded", organisations=added)
