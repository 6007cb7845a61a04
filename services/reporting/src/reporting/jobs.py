"""Reporting's scheduled job: every day at ``release_time`` (Amsterdam), release what is due.

Every replica runs it; the release itself takes a database lock and is idempotent, so the
second replica finds the work done. While reporting is still catching up on events, it tries
again a little later rather than freeze figures that miss some.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import structlog
from ontour.clock import today
from ontour.service import Runtime, settings_as

from reporting.config import Settings
from reporting.usecases import releases

log = structlog.get_logger()
RETRY_SECONDS = 600.0
ATTEMPTS = 12  # then wait for the next day


async def daily_release(runtime: Runtime) -> None:
    settings = settings_as(runtime, Settings)
    while True:
        moment = releases.next_run(datetime.now(UTC), settings.release_time)
        await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()))
        for _ in range(ATTEMPTS):
            if await _run(runtime, settings):
                break
            await asyncio.sleep(RETRY_SECONDS)


async def _run(runtime: Runtime, settings: Settings) -> bool:
    """One attempt; False when it should be tried again soon."""
    try:
        js = runtime.broker.connection.jetstream()
        outcomes = await releases.release_due(
            runtime.sessions, js, settings, by="dagelijkse taak", today=today()
        )
    except releases.NotCaughtUp as waiting:
        log.info("release postponed", reason=str(waiting))
        return False
    except Exception as exc:  # a database or broker away: the next attempt will do
        log.warning("release job failed", error=exc.__class__.__name__)
        return False
    for outcome in outcomes:
        log.info("release job", quarter=outcome.quarter.id, outcome=outcome.status)
    return True
