"""Helpers for the backbone tests: a consumer on a real broker and database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date

import nats
import pytest
from faststream.nats import NatsBroker
from ontour.contracts.intake import GespreksVorm, VoorgesprekGehouden
from ontour.db import create_engine, ensure_database, session_factory
from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer
from ontour.testing.plugin import scalar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def held(
    organisation_code: str = "GM0014", held_on: date = date(2025, 3, 1)
) -> VoorgesprekGehouden:
    return VoorgesprekGehouden(
        voorgesprek_id=uuid.uuid4(),
        organisation_code=organisation_code,
        held_on=held_on,
        mode=GespreksVorm.ONLINE,
    )


async def publish(nats_url: str, body: bytes, subject: str, msg_id: str | None = None) -> None:
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().publish(
            subject, body, headers={"Nats-Msg-Id": msg_id or uuid.uuid4().hex}
        )
    finally:
        await nc.close()


async def publish_event(nats_url: str, event: CloudEvent, msg_id: str | None = None) -> None:
    data_type = event.type.split(".")
    subject = f"ontour.{data_type[3]}.{data_type[4].replace('-', '.')}.{data_type[5]}"
    await publish(nats_url, event.model_dump_json().encode(), subject, msg_id or str(event.id))


async def inbox_database(db_url: str) -> AsyncEngine:
    """A database with an inbox and an 'applied' table (what ``record_applied`` writes)."""
    await ensure_database(db_url)
    engine = create_engine(db_url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS inbox (consumer text, event_id uuid, "
                "processed_at timestamptz DEFAULT now(), "
                "PRIMARY KEY (consumer, event_id))"
            )
        )
        await conn.execute(
            text("CREATE TABLE IF NOT EXISTS applied (event_id uuid, organisation_code text)")
        )
    return engine


@dataclass
class Harness:
    consumer: EventConsumer
    applied_count: object
    sessions: object


@asynccontextmanager
async def consumer_on(
    nats_url: str, db_url: str, consumer: EventConsumer
) -> AsyncIterator[Harness]:
    """Run ``consumer`` on a real broker against a database with an inbox and an 'applied' table."""
    engine = await inbox_database(db_url)
    sessions = session_factory(engine)
    broker = NatsBroker(nats_url, logger=None)
    consumer.subscribe(broker, sessions)
    await broker.connect()
    await consumer.ensure(broker.connection.jetstream())
    await broker.start()

    async def applied_count() -> int:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT count(*) FROM applied"))).scalar_one())

    try:
        yield Harness(consumer, applied_count, sessions)
    finally:
        await broker.stop()
        await engine.dispose()


async def record_applied(session, envelope, event) -> None:
    await session.execute(
        text("INSERT INTO applied VALUES (:id, :code)"),
        {"id": envelope.id, "code": event.organisation_code},
    )


@pytest.fixture
def db_url(database_url):
    return database_url("backbone")


VOORGESPREK = {"organisation_code": "GM0014", "held_on": "2025-03-01", "mode": "fysiek"}


@asynccontextmanager
async def intake_and_reporting(nats_url, database_url, idp_url, headers, **intake_settings):
    """The walking skeleton in this process: intake (records) and reporting (counts)."""
    from intake.app import service as intake
    from ontour.testing.plugin import running_service
    from reporting.app import service as reporting

    async with (
        running_service(
            intake,
            nats_url=nats_url,
            idp_url=idp_url,
            headers=headers,
            database_url=database_url("intake"),
            **intake_settings,
        ) as api,
        running_service(
            reporting,
            nats_url=nats_url,
            idp_url=idp_url,
            headers=headers,
            database_url=database_url("reporting"),
        ) as stats,
    ):
        yield api, stats


async def held_count(stats) -> int:
    """Held voorgesprekken in reporting's read model (the exact number: the published one
    says "<5" for small counts, by design)."""
    return int(await scalar(stats, "SELECT count(*) FROM rm_voorgesprek WHERE status = 'gehouden'"))


async def reporting_caught_up(api, stats) -> None:
    """Wait until reporting's tour consumer processed every event intake announced so far
    (its inbox, over the real broker), instead of polling reporting's read model."""
    from ontour.contracts.intake import VoorgesprekGehouden
    from ontour.testing.delivery import consumer_for, wait_caught_up
    from reporting.app import service as reporting

    await wait_caught_up(
        consumer_for(reporting.consumers, VoorgesprekGehouden),
        producer=api.app.state.runtime.sessions,
        sessions=stats.app.state.runtime.sessions,
    )


ANONYMOUS = {"Authorization": ""}
# An aftercare request as anyone may send it, without an account.
AFTERCARE_REQUEST = {
    "role": "raadslid",
    "incident_categories": ["online intimidatie"],
    "story": "Berichten",
    "gender_wish": "geen voorkeur",
    "contact_modes": ["telefoon"],
    "name": "Els Raadslid",
    "phone": "+31 6 12345678",
    "consent_handling": True,
    "consent_share_with_peer": True,
    "consent_statistics": True,
}
