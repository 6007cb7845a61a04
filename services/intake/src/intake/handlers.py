"""Intake's event consumers: scheduling's sessions move an organisation's tour status.

A confirmed session makes it "sessie gepland", a held one "sessie gehouden"; a cancelled
planned session sends it back to "sessie gewenst". Idempotent: the inbox drops redeliveries,
and each step only moves the status from the states it applies to.
"""

from __future__ import annotations

from collections.abc import Collection

from ontour.contracts.intake import TourStatus
from ontour.contracts.scheduling import SessieGeannuleerd, SessieGehouden, SessieGepland
from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer
from ontour.messaging.outbox import enqueue
from sqlmodel.ext.asyncio.session import AsyncSession

from intake import organisations
from intake.models import OrganisationRow

sessions = EventConsumer.reading(
    "scheduling",
    service="intake",
    name="sessions",
    batch_size=1,  # in stream order: a cancellation must not overtake its planning
)


async def _move(
    session: AsyncSession,
    code: str,
    to: TourStatus,
    *,
    only_from: Collection[TourStatus],
    summary: str,
) -> None:
    organisation = await session.get(OrganisationRow, code, with_for_update=True)
    if organisation is None or TourStatus(organisation.tour_status) not in only_from:
        return
    event = await organisations.change(
        session, code, {"tour_status": to.value}, kind="sessie", summary=summary, actor="planning"
    )
    await enqueue(session, event)


_BEFORE_SESSION = [s for s in TourStatus if s is not TourStatus.SESSIE_GEHOUDEN]


@sessions.on(SessieGepland)
async def on_session_planned(
    session: AsyncSession, envelope: CloudEvent, event: SessieGepland
) -> None:
    await _move(
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
    await _move(
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
    await _move(
        session,
        event.organisation_code,
        TourStatus.SESSIE_GEWENST,
        only_from=[TourStatus.SESSIE_GEPLAND],
        summary="Geplande sessie geannuleerd",
    )


consumers = [sessions]
