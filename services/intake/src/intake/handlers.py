"""Intake's event consumers: scheduling's sessions move an organisation's tour status.

A confirmed session makes it "sessie gepland", a held one "sessie gehouden"; a cancelled
planned session sends it back to "sessie gewenst". Idempotent: the inbox drops redeliveries,
and each step only moves the status from the states it applies to.
"""

from __future__ import annotations

from ontour.contracts.intake import TourStatus
from ontour.contracts.scheduling import SessieGeannuleerd, SessieGehouden, SessieGepland
from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.usecases import organisations

sessions = EventConsumer.reading(
    "scheduling",
    service="intake",
    name="sessions",
    batch_size=1,  # in stream order: a cancellation must not overtake its planning
)


_BEFORE_SESSION = [s for s in TourStatus if s is not TourStatus.SESSIE_GEHOUDEN]


@sessions.on(SessieGepland)
async def on_session_planned(
    session: AsyncSession, envelope: CloudEvent, event: SessieGepland
) -> None:
    await organisations.follow_session(
        session,
        event.organisation_code,
        TourStatus.SESSIE_GEPLAND,
        only_from=[s for s in _BEFORE_SESSION if s is not TourStatus.SESSIE_GEPLAND],
        summary=f"Sessie gepland op {event.on.strftime('%d-%m-%Y')}",
    )


@sessions.on(SessieGehouden)
async def on_session_held(
    session: AsyncSession, envelope: CloudEvent, event: SessieGehouden
) -> None:
    await organisations.follow_session(
        session,
        event.organisation_code,
        TourStatus.SESSIE_GEHOUDEN,
        only_from=_BEFORE_SESSION,
        summary=f"Sessie gehouden op {event.held_on.strftime('%d-%m-%Y')}",
    )


@sessions.on(SessieGeannuleerd)
async def on_session_cancelled(
    session: AsyncSession, envelope: CloudEvent, event: SessieGeannuleerd
) -> None:
    await organisations.follow_session(
        session,
        event.organisation_code,
        TourStatus.SESSIE_GEWENST,
        only_from=[TourStatus.SESSIE_GEPLAND],
        summary="Geplande sessie geannuleerd",
    )


consumers = [sessions]
