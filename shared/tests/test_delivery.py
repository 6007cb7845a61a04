"""The test helpers ``deliver`` (a consumer's own delivery path, without a broker) and
``wait_processed`` (waiting on the consumer instead of polling its effects)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import nats
import pytest
from backbone_support import consumer_on, held, inbox_database, publish_event, record_applied
from ontour.contracts.intake import VoorgesprekGehouden
from ontour.contracts.scheduling import SessieVoorgesteld
from ontour.db import session_factory
from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer, Verdict
from ontour.messaging.outbox import OutboxMessage, enqueue
from ontour.messaging.streams import stream_for
from ontour.testing.delivery import (
    Sessions,
    deliver,
    subject_matches,
    wait_caught_up,
    wait_processed,
)
from sqlalchemy import text


def make_consumer(name: str, handler=record_applied, max_attempts: int = 3) -> EventConsumer:
    consumer = EventConsumer.reading(
        "intake", service="test", name=name, max_attempts=max_attempts, backoff=(0.25, 1.0)
    )
    consumer.on(VoorgesprekGehouden)(handler)
    return consumer


@pytest.fixture
async def sessions(db_url) -> AsyncIterator[Sessions]:
    engine = await inbox_database(db_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def rows(sessions: Sessions, sql: str) -> list[tuple]:
    async with sessions() as session:
        return [tuple(row) for row in (await session.execute(text(sql))).all()]


async def test_a_delivered_event_is_handled_with_its_inbox_row_in_one_commit(sessions):
    consumer = make_consumer("direct")
    outcome = await deliver(consumer, held("GM0034"), sessions)
    assert outcome.verdict is Verdict.PROCESSED and outcome.acked
    assert outcome.envelope is not None
    assert await rows(sessions, "SELECT * FROM applied") == [(outcome.envelope.id, "GM0034")]
    assert await rows(sessions, "SELECT consumer, event_id FROM inbox") == [
        ("test-direct", outcome.envelope.id)
    ]


async def test_the_same_envelope_delivered_twice_has_one_effect(sessions):
    consumer = make_consumer("twice")
    event = CloudEvent.wrap(held())
    assert (await deliver(consumer, event, sessions)).verdict is Verdict.PROCESSED
    again = await deliver(consumer, event, sessions, delivered=2)
    assert again.verdict is Verdict.DUPLICATE and again.acked
    assert await rows(sessions, "SELECT count(*) FROM applied") == [(1,)]


async def test_a_failing_handler_is_retried_with_back_off_then_parked(sessions):
    calls: list[int] = []

    async def fails(session, envelope, event):
        await record_applied(session, envelope, event)
        calls.append(1)
        raise RuntimeError("boom")

    consumer = make_consumer("fails", fails, max_attempts=3)
    first = await deliver(consumer, held(), sessions)
    assert first.verdict is Verdict.RETRY and first.delay == 0.25
    assert isinstance(first.error, RuntimeError)
    second = await deliver(consumer, held(), sessions, delivered=2)
    assert second.verdict is Verdict.RETRY and second.delay == 1.0
    settled = await deliver(consumer, held(), sessions, settle=True)
    assert settled.verdict is Verdict.PARK and settled.kind == "failed"
    assert settled.reason == "handler failed 3 times: RuntimeError"
    assert len(calls) == 5  # 1 + 1 + 3 deliveries, each rolled back with its inbox row
    assert await rows(sessions, "SELECT count(*) FROM applied") == [(0,)]
    assert await rows(sessions, "SELECT count(*) FROM inbox") == [(0,)]


async def test_a_delivery_beyond_the_attempts_is_parked_unhandled(sessions):
    outcome = await deliver(make_consumer("late"), held(), sessions, delivered=4)
    assert outcome.verdict is Verdict.PARK and outcome.kind == "exhausted"
    assert outcome.reason == "no outcome after 3 deliveries"
    assert await rows(sessions, "SELECT count(*) FROM applied") == [(0,)]


async def test_unreadable_bytes_are_parked_with_the_reason(sessions):
    outcome = await deliver(make_consumer("bytes"), b"{not json", sessions)
    assert outcome.verdict is Verdict.PARK and outcome.kind == "unreadable"
    assert outcome.reason == "malformed JSON: JSONDecodeError"
    assert outcome.envelope is None


async def test_an_event_without_a_handler_is_skipped_and_one_never_received_refused(sessions):
    consumer = EventConsumer.reading("intake", service="test", name="none")
    skipped = await deliver(consumer, held(), sessions)
    assert skipped.verdict is Verdict.SKIPPED and skipped.acked
    assert await rows(sessions, "SELECT count(*) FROM inbox") == [(0,)]
    proposal = SessieVoorgesteld.model_json_schema()["examples"][0]
    with pytest.raises(AssertionError, match=r"never receives ontour\.scheduling"):
        await deliver(consumer, SessieVoorgesteld.model_validate(proposal), sessions)


async def test_deliver_sends_the_bytes_the_outbox_publishes(sessions):
    async with sessions() as session, session.begin():
        await session.run_sync(lambda sync: OutboxMessage.__table__.create(sync.connection()))
        event = await enqueue(session, held("GM0037"))
    async with sessions() as session:
        row = await session.get(OutboxMessage, event.id)
    assert row is not None and row.payload == event.encode()
    outcome = await deliver(make_consumer("outbox"), row.payload, sessions)
    assert outcome.verdict is Verdict.PROCESSED and outcome.envelope == event


@pytest.mark.parametrize(
    ("pattern", "subject", "matches"),
    [
        ("ontour.intake.>", "ontour.intake.voorgesprek.gehouden.v1", True),
        ("ontour.intake.>", "ontour.intake", False),
        ("ontour.*.voorgesprek.gehouden.v1", "ontour.intake.voorgesprek.gehouden.v1", True),
        ("ontour.intake.*", "ontour.intake.voorgesprek.gehouden.v1", False),
        ("ontour.intake.>", "ontour.scheduling.sessie.voorgesteld.v1", False),
    ],
)
def test_subjects_match_as_in_nats(pattern, subject, matches):
    assert subject_matches(pattern, subject) is matches


async def test_wait_processed_waits_for_the_inbox_row_over_the_broker(nats_url, db_url):
    async with consumer_on(nats_url, db_url, make_consumer("wait")) as harness:
        event = CloudEvent.wrap(held())
        await publish_event(nats_url, event)
        await wait_processed(harness.consumer, event, sessions=harness.sessions)
        assert await harness.applied_count() == 1
        with pytest.raises(AssertionError, match="did not process event"):
            await wait_processed(
                harness.consumer, uuid.uuid4(), sessions=harness.sessions, timeout=0.2
            )


async def test_wait_processed_waits_for_the_ack_floor_of_a_stream_sequence(nats_url, db_url):
    async with consumer_on(nats_url, db_url, make_consumer("floor")) as harness:
        for code in ("GM0014", "GM0034", "GM0037"):
            await publish_event(nats_url, CloudEvent.wrap(held(code)))
        await wait_processed(harness.consumer, 3, nats_url=nats_url)
        assert await harness.applied_count() == 3
        nc = await nats.connect(nats_url)
        info = await nc.jetstream().consumer_info(stream_for("intake"), "test-floor")
        await nc.close()
        assert info.num_pending == 0 and info.num_ack_pending == 0
        with pytest.raises(AssertionError, match="did not ack up to stream sequence 4"):
            await wait_processed(harness.consumer, 4, nats_url=nats_url, timeout=0.2)


async def test_wait_caught_up_waits_for_every_event_the_producer_announced(sessions):
    async with sessions() as session, session.begin():
        await session.run_sync(lambda sync: OutboxMessage.__table__.create(sync.connection()))
        announced = [await enqueue(session, held(code)) for code in ("GM0014", "GM0034")]
    consumer = make_consumer("caught")
    for event in announced:
        await deliver(consumer, event, sessions)
    assert await wait_caught_up(consumer, producer=sessions, sessions=sessions) == 2
    async with sessions() as session, session.begin():
        await enqueue(session, held("GM0037"))  # announced, never delivered
    with pytest.raises(AssertionError, match="did not process the 3 events announced"):
        await wait_caught_up(consumer, producer=sessions, sessions=sessions, timeout=0.2)
