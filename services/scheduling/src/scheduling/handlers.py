"""Scheduling's event consumers: intake's register and its session requests.

Idempotent twice over: the inbox drops a redelivered event, and every write keeps the
highest revision it saw, so events arriving out of order never undo a newer state.
"""

from __future__ import annotations

from ontour.contracts.intake import (
    OrganisatieGeregistreerd,
    OrganisatieGewijzigd,
    SessieverzoekIngediend,
    SessieverzoekIngetrokken,
)
from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer
from sqlmodel.ext.asyncio.session import AsyncSession

from scheduling import repository

requests = EventConsumer.reading("intake", service="scheduling", name="requests")


@requests.on(OrganisatieGeregistreerd)
async def on_organisation_registered(
    session: AsyncSession, envelope: CloudEvent, event: OrganisatieGeregistreerd
) -> None:
    await repository.upsert_organisation(
        session,
        code=event.organisation_code,
        name=event.organisation_name or event.organisation_code,
        province_code=event.province_code,
        lat=event.lat,
        lon=event.lon,
    )


@requests.on(OrganisatieGewijzigd)
async def on_organisation_changed(
    session: AsyncSession, envelope: CloudEvent, event: OrganisatieGewijzigd
) -> None:
    await repository.end_organisation(session, event.organisation_code, event.valid_until)


@requests.on(SessieverzoekIngediend)
async def on_request_submitted(
    session: AsyncSession, envelope: CloudEvent, event: SessieverzoekIngediend
) -> None:
    await repository.upsert_request(session, event)


@requests.on(SessieverzoekIngetrokken)
async def on_request_withdrawn(
    session: AsyncSession, envelope: CloudEvent, event: SessieverzoekIngetrokken
) -> None:
    await repository.withdraw_request(session, event.request_id, event.revision)


consumers = [requests]
