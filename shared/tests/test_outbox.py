"""The transactional outbox on a real nats-server and PostgreSQL."""

from __future__ import annotations

import asyncio

import nats
import pytest
from backbone_support import VOORGESPREK, held_count, intake_and_reporting, reporting_caught_up
from faststream.nats import NatsBroker
from intake.app import service as intake
from ontour.messaging.outbox import RELAY_APPLICATION_NAME, OutboxRelay
from ontour.messaging.streams import stream_for
from ontour.testing.plugin import eventually, running_service
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


class CrashBetweenPublishAndMark(Exception):
    pass


class RelayThatDiesAfterPublishing(OutboxRelay):
    def _after_publish(self, row) -> None:
        raise CrashBetweenPublishAndMark


async def stream_messages(nats_url: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        return int((await nc.jetstream().stream_info(stream_for("intake"))).state.messages)
    finally:
        await nc.close()


async def unsent(engine) -> int:
    async with engine.connect() as conn:
        return int(
            (
                await conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
            ).scalar_one()
        )


async def settle_organisation(api, engine, relay_broker) -> None:
    """Publish the register's first load and the organisation's first tour-status change, so
    that from here on each voorgesprek causes exactly one event."""
    await drain(OutboxRelay(engine, relay_broker, "intake"))
    assert (await api.post("/intake/api/v1/voorgesprekken", json=VOORGESPREK)).status_code == 201
    await drain(OutboxRelay(engine, relay_broker, "intake"))


async def drain(relay: OutboxRelay) -> int:
    total = 0
    while (published := await relay.relay_once()) > 0:
        total += published
    return total


@pytest.fixture
async def intake_without_relay(nats_url, database_url, relay_broker, idp_url, bearer):
    """Intake with its relay off, settled: the API, its engine and the stream's count."""
    async with running_service(
        intake,
        nats_url=nats_url,
        idp_url=idp_url,
        headers=bearer("coordinator"),
        database_url=database_url("intake"),
        outbox_relay_enabled=False,
    ) as api:
        engine = api.app.state.runtime.engine
        await settle_organisation(api, engine, relay_broker)
        yield api, engine, await stream_messages(nats_url)


@pytest.fixture
async def relay_broker(nats_url):
    broker = NatsBroker(nats_url, logger=None)
    await broker.connect()
    yield broker
    await broker.stop()


async def test_a_relay_killed_between_publish_and_mark_loses_nothing_and_applies_once(
    nats_url, database_url, relay_broker, idp_url, bearer
):
    async with intake_and_reporting(
        nats_url, database_url, idp_url, bearer("coordinator"), outbox_relay_enabled=False
    ) as (api, stats):
        engine = api.app.state.runtime.engine
        await settle_organisation(api, engine, relay_broker)
        before = await stream_messages(nats_url)
        assert (
            await api.post("/intake/api/v1/voorgesprekken", json=VOORGESPREK)
        ).status_code == 201
        assert await unsent(engine) == 1

        with pytest.raises(CrashBetweenPublishAndMark):
            await RelayThatDiesAfterPublishing(engine, relay_broker, "intake").relay_once()
        assert await stream_messages(nats_url) == before + 1  # published ...
        assert await unsent(engine) == 1  # ... but not marked: the transaction died with it

        assert await OutboxRelay(engine, relay_broker, "intake").relay_once() == 1
        assert await unsent(engine) == 0
        assert await stream_messages(nats_url) == before + 1  # JetStream dropped the re-publish

        await reporting_caught_up(api, stats)
        assert await held_count(stats) == 2  # settling + this one
        await asyncio.sleep(0.3)
        assert await held_count(stats) == 2


async def test_two_relays_on_one_database_publish_every_event_exactly_once(
    nats_url, relay_broker, intake_without_relay
):
    api, engine, before = intake_without_relay
    for _ in range(60):
        await api.post("/intake/api/v1/voorgesprekken", json=VOORGESPREK)
    # Small batches so both relays really interleave on the same rows.
    first = OutboxRelay(engine, relay_broker, "intake", batch_size=5)
    second = OutboxRelay(engine, relay_broker, "intake", batch_size=5)

    shares = await asyncio.gather(drain(first), drain(second))
    assert sum(shares) == 60
    assert all(shares), "both relays took part"
    assert await unsent(engine) == 0
    # Exactly once between them: no publish was even attempted twice.
    assert await stream_messages(nats_url) == before + 60


async def test_a_broker_restart_mid_flow_loses_nothing(nats_server, database_url, idp_url, bearer):
    async with intake_and_reporting(
        nats_server.url, database_url, idp_url, bearer("coordinator")
    ) as (api, stats):
        for _ in range(5):
            await api.post("/intake/api/v1/voorgesprekken", json=VOORGESPREK)
        await reporting_caught_up(api, stats)
        assert await held_count(stats) == 5

        nats_server.stop()
        for _ in range(5):  # accepted while the broker is away: they wait in the outbox
            response = await api.post("/intake/api/v1/voorgesprekken", json=VOORGESPREK)
            assert response.status_code == 201
        nats_server.start()

        await reporting_caught_up(api, stats)
        assert await held_count(stats) == 10
        assert await unsent(api.app.state.runtime.engine) == 0


async def test_the_relay_wakes_at_the_commit_not_at_its_safety_poll(
    nats_url, relay_broker, intake_without_relay
):
    api, engine, before = intake_without_relay
    relay = OutboxRelay(engine, relay_broker, "intake", safety_poll_seconds=3600)
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: _listening(engine))
        response = await api.post("/intake/api/v1/voorgesprekken", json=VOORGESPREK)
        assert response.status_code == 201
        # Only the commit's notification can wake it within the hour.
        await eventually(lambda: _more_on_the_stream(nats_url, before))
        await eventually(lambda: _none_unsent(engine))  # marked just after the PubAck
    finally:
        relay.stop()
        await task


class RelayCountingBatches(OutboxRelay):
    batches: list[int]

    async def _relay_on(self, conn) -> int:
        published = await super()._relay_on(conn)
        if published:
            self.batches.append(published)
        return published


async def test_what_commits_just_after_a_wake_up_goes_out_in_the_same_batch(
    nats_url, relay_broker, intake_without_relay
):
    # At a steady rate every commit woke the relay for a batch of its own: a transaction and
    # a PubAck round trip per event. Lingering a moment after the wake-up bundles them.
    api, engine, before = intake_without_relay
    relay = RelayCountingBatches(
        engine, relay_broker, "intake", safety_poll_seconds=3600, linger_seconds=2.0
    )
    relay.batches = []
    task = asyncio.create_task(relay.run())
    try:
        await eventually(lambda: _listening(engine))
        for _ in range(2):
            response = await api.post("/intake/api/v1/voorgesprekken", json=VOORGESPREK)
            assert response.status_code == 201
        await eventually(lambda: _none_unsent(engine))
        assert relay.batches == [2]
        assert await stream_messages(nats_url) == before + 2
    finally:
        relay.stop()
        await task


async def test_the_relay_publishes_while_the_service_holds_every_pooled_connection(
    nats_url, relay_broker, intake_without_relay
):
    api, engine, before = intake_without_relay
    response = await api.post("/intake/api/v1/voorgesprekken", json=VOORGESPREK)
    assert response.status_code == 201
    # A service whose pool (one connection here) its requests have all checked out.
    busy = create_async_engine(
        engine.url.render_as_string(hide_password=False),
        pool_size=1,
        max_overflow=0,
        pool_timeout=1,
    )
    try:
        async with busy.connect() as held:
            await held.execute(text("SELECT 1"))
            relay = OutboxRelay(busy, relay_broker, "intake")
            task = asyncio.create_task(relay.run())
            try:
                await eventually(lambda: _more_on_the_stream(nats_url, before))
                await eventually(lambda: _none_unsent(engine))
            finally:
                relay.stop()
                await task
    finally:
        await busy.dispose()


async def _none_unsent(engine) -> bool:
    return await unsent(engine) == 0


async def _listening(engine) -> bool:
    """The relay's own connection LISTENs and has finished its first batch (idle, its
    last statement no longer the LISTEN): from here only a notification can wake it."""
    async with engine.connect() as conn:
        listeners = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                "AND datname = current_database() AND state = 'idle' "
                "AND query NOT LIKE 'LISTEN%'"
            ),
            {"name": RELAY_APPLICATION_NAME},
        )
        return bool(listeners.scalar_one())


async def _more_on_the_stream(nats_url: str, before: int) -> bool:
    return await stream_messages(nats_url) > before
