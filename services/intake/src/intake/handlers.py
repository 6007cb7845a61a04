"""Intake's event consumers: scheduling's sessions move an organisation's tour status.

A confirmed session makes it "sessie gepland", a held one "sessie gehouden"; a cancelled
planned session sends it back to "sessie gewenst"; each goes on the organisation's timeline
at the event's own moment. The inbox drops redeliveries; the status follows from the
organisation's sessions as known, each at its highest revision, and the timeline keeps one
entry per event, so the events converge in any order (see ``organisations.follow_session``).
"""

from __future__ import annotations

from ontour.contracts.scheduling import SessieGeannuleerd, SessieGehouden, SessieGepland
from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.usecases import organisations

sessions = EventConsumer.reading("scheduling", service="intake", name="sessions")


@sessions.on(SessieGepland)
@sessions.on(SessieGehouden)
@sessions.on(SessieGeannuleerd)
async def on_session(
    session: AsyncSession,
    envelope: CloudEvent,
    event: SessieGepland | SessieGehouden | SessieGeannuleerd,
) -> None:
    await organisations.follow_session(session, envelope.time, event)


consumers = [sessions]
