"""Reporting's event consumers: every service's events into the read models, idempotently.

Three durable consumers, one per producing stream. What each event changes is decided in
:mod:`reporting.domain.projection` and applied by :mod:`reporting.usecases.read_models` (the
same for a rebuild); every event also moves "bijgewerkt tot" to its time. An event reporting
cannot read is dead-lettered by the consumer (and the dashboard then says its numbers may be
incomplete).
"""

from __future__ import annotations

from typing import Any

from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer
from ontour.messaging.streams import stream_for
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting.domain.projection import CHANGES
from reporting.usecases import read_models

consumers = [
    # In stream order (the default), as a rebuild replays.
    EventConsumer.reading(producer, service="reporting", name=name)
    for name, producer in (("tour", "intake"), ("sessions", "scheduling"),
                           ("aftercare", "aftercare"))
]  # fmt: skip


async def project(session: AsyncSession, envelope: CloudEvent, data: Any) -> None:
    await read_models.project(session, [(data, envelope.time)])


for _consumer in consumers:
    for _event in CHANGES:
        if _consumer.stream == stream_for(_event.service):
            _consumer.on(_event)(project)
