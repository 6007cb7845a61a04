"""Scheduling's event consumers: intake's register and its session requests, handed to
``scheduling.usecases.requests``.

The inbox drops a redelivered event; the use cases converge whatever order events arrive in
(newest wins per part of a row, tombstones for what arrives early), so a redelivery or a
second replica sharing the durable cannot leave a stale row. A rebuild
(:mod:`scheduling.rebuild`) replays the same handlers.
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

from scheduling.usecases import requests as session_requests

requests = EventConsumer.reading("intake", service="scheduling", name="requests")


@requests.on(OrganisatieGeregistreerd)
async def on_organisation_registered(
    db: AsyncSession, envelope: CloudEvent, event: OrganisatieGeregistreerd
) -> None:
    await session_requests.register_organisation(db, event, envelope.time)


@requests.on(OrganisatieGewijzigd)
async def on_organisation_changed(
    db: AsyncSession, envelope: CloudEvent, event: OrganisatieGewijzigd
) -> None:
    await session_requests.change_organisation(db, event, envelope.time)


@requests.on(SessieverzoekIngediend)
async def on_request_submitted(
    db: AsyncSession, envelope: CloudEvent, event: SessieverzoekIngediend
) -> None:
    await session_requests.submit(db, event, envelope.time)


@requests.on(SessieverzoekIngetrokken)
async def on_request_withdrawn(
    db: AsyncSession, envelope: CloudEvent, event: SessieverzoekIngetrokken
) -> None:
    await session_requests.withdraw(db, event, envelope.time)


consumers = [requests]
