"""Session requests and the organisations they come from, as intake announces them.

Each runs in the transaction of the event consumer (with its inbox entry), so a redelivered
event is dropped there; every write keeps the highest revision it saw, so events arriving out
of order never undo a newer state.
"""

from __future__ import annotations

from ontour.contracts.intake import (
    OrganisatieGeregistreerd,
    OrganisatieGewijzigd,
    SessieverzoekIngediend,
    SessieverzoekIngetrokken,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from scheduling import repository


async def register_organisation(db: AsyncSession, event: OrganisatieGeregistreerd) -> None:
    await repository.upsert_organisation(
        db,
        code=event.organisation_code,
        name=event.organisation_name or event.organisation_code,
        province_code=event.province_code,
        lat=event.lat,
        lon=event.lon,
    )


async def change_organisation(db: AsyncSession, event: OrganisatieGewijzigd) -> None:
    await repository.end_organisation(db, event.organisation_code, event.valid_until)


async def submit(db: AsyncSession, event: SessieverzoekIngediend) -> None:
    await repository.upsert_request(db, event)


async def withdraw(db: AsyncSession, event: SessieverzoekIngetrokken) -> None:
    await repository.withdraw_request(db, event.request_id, event.revision)
