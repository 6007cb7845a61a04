"""Reporting's event consumers: project events into read models."""

from __future__ import annotations

from ontour.contracts.intake import VoorgesprekGehouden
from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer
from ontour.messaging.streams import stream_for
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting import repository
from reporting.models import HeldVoorgesprek

tour = EventConsumer(
    service="reporting", name="tour", stream=stream_for("intake"), subject="ontour.intake.>"
)


@tour.on(VoorgesprekGehouden)
async def on_voorgesprek_gehouden(
    session: AsyncSession, envelope: CloudEvent, event: VoorgesprekGehouden
) -> None:
    await repository.record_held_voorgesprek(
        session,
        HeldVoorgesprek(
            voorgesprek_id=event.voorgesprek_id,
            organisation_code=event.organisation_code,
            held_on=event.held_on,
        ),
    )


consumers = [tour]
