"""Helpers of reporting's service tests."""

from __future__ import annotations

import httpx
from ontour.events import CloudEvent, EventData, registered_contracts
from ontour.messaging.consumer import Verdict
from ontour.testing.delivery import consumer_for, deliver
from reporting.app import service as reporting


async def project(
    api: httpx.AsyncClient, *events: EventData | CloudEvent, verdict: Verdict = Verdict.PROCESSED
) -> None:
    """Deliver ``events`` in this order to the reporting consumer that reads each from the
    bus, as its subscription would (inbox, projection, commit), each with ``verdict``."""
    sessions = api.app.state.runtime.sessions  # type: ignore[attr-defined]
    for event in events:
        model = type(event) if isinstance(event, EventData) else registered_contracts()[event.type]
        outcome = await deliver(consumer_for(reporting.consumers, model), event, sessions)
        assert outcome.verdict is verdict, outcome
