"""Intake's event consumers: scheduling's sessions move an organisation's tour status.

A confirmed session makes it "sessie gepland", a held one "sessie gehouden"; a cancelled
planned session sends it back to "sessie gewenst". The inbox drops redeliveries; the status
follows from the organisation's sessions as known, each at its highest revision, so the
events converge in any order (see ``organisations.follow_session``).
"""

from __future__ import annotations

from ontour.contracts.scheduling import SessieGeannuleerd, SessieGehouden, SessieGepland
from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.usecases import organisations

sessions = EventConsumer.reading("scheduling", service="intake", name="sessions")


@sessions.on(SessieGepland)
async def on_session_planned(
    session: AsyncSession, envelope: CloudEvent, event: SessieGepland
) -> None:
    summary = f"Sessie gepland op {event.on.strftime('%d-%m-%Y')}"
    await organisations.follow_session(session, event, "gepland", summary=summary)


@sessions.on(SessieGehouden)
async def on_session_held(
    session: AsyncSession, envelope: CloudEvent, event: SessieGehouden
) -> None:
    summary = f"Sessie gehouden op {event.held_on.strftime('%d-%m-%Y')}"
    await organisations.follow_session(session, event, "gehouden", summary=summary)


@sessions.on(SessieGeannuleerd)
async def on_session_cancelled(
    session: AsyncSession, envelope: CloudEvent, event: SessieGeannuleerd
) -> None:
    summary = "Geplande sessie geannuleerd"
    await organisations.follow_session(session, event, "geannuleerd", summary=summary)


consumers = [sessions]
