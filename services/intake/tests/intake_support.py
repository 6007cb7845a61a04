"""Helpers for intake's tests that run against real NATS and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats
from ontour.testing.plugin import eventually
from sqlalchemy import text

SETTLE_SECONDS = 0.5  # after the expected events arrived: time for unexpected extra ones


async def events_on_bus(nats_url: str, subject: str, expected: int) -> list[dict[str, Any]]:
    """Every event on ``subject`` in the stream, seen by a real subscriber (once ``expected``
    arrived and nothing more came in a short while)."""
    seen: list[dict[str, Any]] = []

    async def collect(message: Any) -> None:
        seen.append(json.loads(message.data))

    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().subscribe(subject, ordered_consumer=True, cb=collect)

        async def arrived() -> bool:
            return len(seen) >= expected

        await eventually(arrived, timeout=15)
        await asyncio.sleep(SETTLE_SECONDS)
    finally:
        await nc.close()
    return seen


async def scalar(api: Any, sql: str) -> Any:
    """One value from the running service's database."""
    async with api.app.state.runtime.sessions() as session:
        return (await session.execute(text(sql))).scalar_one()
