"""Session requests and the organisations they come from, as intake announces them.

Each runs in the transaction of the event consumer (with its inbox entry), so a redelivered
event is dropped there. Events of one request or organisation may arrive in any order (two
replicas share the durable): every write keeps, per part of the row, what the newest event
set (a request's revision; an organisation's events have none, so their time), and one that
arrives before what it changes leaves a tombstone. Any order gives the same rows.
"""

from __future__ import annotations

from datetime import datetime

from ontour.contracts.intake import (
    OrganisatieGeregistreerd,
    OrganisatieGewijzigd,
    SessieverzoekIngediend,
    SessieverzoekIngetrokken,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from scheduling import repository


async def register_organisation(
    db: AsyncSession, event: OrganisatieGeregistreerd, at: datetime
) -> None:
    await repository.register_organisation(
        db,
        code=event.organisation_code,
        name=event.organisation_name or event.organisation_code,
        province_code=event.province_code,
        lat=event.lat,
        lon=event.lon,
        at=at,
    )


async def change_organisation(db: AsyncSession, event: OrganisatieGewijzigd, at: datetime) -> None:
    await repository.end_organisation(db, event.organisation_code, event.valid_until, at)


async def submit(db: AsyncSession, event: SessieverzoekIngediend, at: datetime) -> None:
    await repository.upsert_request(db, event, at)


async def withdraw(db: AsyncSession, event: SessieverzoekIngetrokken, at: datetime) -> None:
    code, revision = event.organisation_code, event.revision
    await repository.withdraw_request(db, event.request_id, code, revision, at)
