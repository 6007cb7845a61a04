"""Consumers on a real nats-server and PostgreSQL: idempotence, back-off, dead letters."""

from __future__ import annotations

import asyncio
import json

import nats
from backbone_support import (
    consumer_on,
    held,
    inbox_database,
    publish,
    publish_event,
    record_applied,
)
from ontour.contracts.intake import VoorgesprekGehouden
from ontour.db import session_factory
from ontour.events import CloudEvent
from ontour.messaging import inbox
from ontour.messaging.consumer import EventConsumer, Verdict
from ontour.messaging.deadletters import list_dead_letters, redrive
from ontour.messaging.streams import stream_for
from ontour.testing.delivery import wait_processed
from sqlalchemy import event as sa_event
from sqlalchemy import text


def make_consumer(name: str, handler=record_applied, max_attempts: int = 3) -> EventConsumer:
    consumer = EventConsumer(
        service="test",
        name=name,
        stream=stream_for("intake"),
        subject="ontour.intake.>",
        max_attempts=max_attempts,
        backoff=(0.05, 0.05, 0.05),
        ack_wait_seconds=5,
    )
    consumer.on(VoorgesprekGehouden)(handler)
    return consumer


async def dead_letters(nats_url: str, consumer: str):
    nc = await nats.connect(nats_url)
    try:
        return await list_dead_letters(nc.jetstream(), consumer)
    finally:
        await nc.close()


async def test_the_same_event_delivered_twice_has_one_effect(nats_url, db_url):
    async with consumer_on(nats_url, db_url, make_consumer("twice")) as harness:
        event = CloudEvent.wrap(held())
        # Two publishes with different message ids: JetStream cannot de-duplicate them,
        # so both reach the consumer; the inbox must.
        await publish_event(nats_url, event, msg_id="first")
        await publish_event(nats_url, event, msg_id="second")
        other = CloudEvent.wrap(held("GM0034"))
        await publish_event(nats_url, other)
        await wait_processed(harness.consumer, 3, nats_url=nats_url)
        assert await harness.applied_count() == 2
        nc = await nats.connect(nats_url)
        info = await nc.jetstream().consumer_info(stream_for("intake"), "test-twice")
        await nc.close()
        assert info.num_pending == 0 and info.num_ack_pending == 0
        assert info.delivered.stream_seq == 3  # all three were delivered ...
        assert await harness.applied_count() == 2  # ... and the duplicate had no effect


async def test_the_inbox_claim_goes_past_sqlalchemys_execution_layer(db_url):
    # Once per event in every consumer: straight to the driver, as the transaction's first
    # statement, and still the guard against a second effect.
    engine = await inbox_database(db_url)
    statements: list[str] = []

    def executed(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    sa_event.listen(engine.sync_engine, "before_cursor_execute", executed)
    try:
        consumer, body = make_consumer("claim"), CloudEvent.wrap(held()).encode()
        sessions = session_factory(engine)
        first = await consumer.handle(body, 1, sessions)
        again = await consumer.handle(body, 2, sessions)
    finally:
        sa_event.remove(engine.sync_engine, "before_cursor_execute", executed)
        await engine.dispose()
    assert (first.verdict, again.verdict) == (Verdict.PROCESSED, Verdict.DUPLICATE)
    assert statements == ["INSERT INTO applied VALUES ($1, $2)"]


async def test_the_claims_of_one_fetch_are_one_statement_and_a_repeat_in_it_a_duplicate(
    db_url, monkeypatch
):
    engine = await inbox_database(db_url)
    claims: list[str] = []
    execute_plain = inbox.execute_plain

    async def counted(session, statement, *parameters):
        claims.append(statement)
        return await execute_plain(session, statement, *parameters)

    monkeypatch.setattr(inbox, "execute_plain", counted)
    one, other = (CloudEvent.wrap(held(code)).encode() for code in ("GM0014", "GM0034"))
    try:
        outcomes = await make_consumer("fetch-claims").handle_many(
            [(one, 1), (other, 1), (one, 2)], session_factory(engine)
        )
        async with engine.connect() as conn:
            applied = (await conn.execute(text("SELECT count(*) FROM applied"))).scalar_one()
    finally:
        await engine.dispose()
    assert [outcome.verdict for outcome in outcomes] == [
        Verdict.PROCESSED,
        Verdict.PROCESSED,
        Verdict.DUPLICATE,
    ]
    assert (len(claims), applied) == (1, 2)


async def test_a_handler_that_always_fails_is_parked_and_later_events_still_flow(nats_url, db_url):
    attempts: dict[str, int] = {}

    async def fails_for_poison(session, envelope, event):
        if event.organisation_code == "GM0666":
            attempts[str(envelope.id)] = attempts.get(str(envelope.id), 0) + 1
            raise RuntimeError("boom")
        await record_applied(session, envelope, event)

    async with consumer_on(nats_url, db_url, make_consumer("poison", fails_for_poison)) as harness:
        poison = CloudEvent.wrap(held("GM0666"))
        await publish_event(nats_url, poison)
        for code in ("GM0014", "GM0034", "GM0037"):
            await publish_event(nats_url, CloudEvent.wrap(held(code)))
        # Acked or parked, all four (a message is terminated once its dead letter is stored).
        await wait_processed(harness.consumer, 4, nats_url=nats_url)
        assert await harness.applied_count() == 3
        letters = await dead_letters(nats_url, "test-poison")
        assert attempts[str(poison.id)] == 3  # max_attempts, then parked
        assert len(letters) == 1
        assert letters[0].reason == "handler failed 3 times: RuntimeError"
        assert json.loads(letters[0].data)["id"] == str(poison.id)
        assert letters[0].original_subject == "ontour.intake.voorgesprek.gehouden.v1"


async def test_malformed_json_and_an_unknown_version_are_parked_with_a_reason(nats_url, db_url):
    async with consumer_on(nats_url, db_url, make_consumer("unreadable")) as harness:
        await publish(nats_url, b"{this is not json", "ontour.intake.voorgesprek.gehouden.v1")
        future = CloudEvent.wrap(held()).model_dump(mode="json")
        future["type"] = future["type"].replace(".v1", ".v9")
        await publish(
            nats_url, json.dumps(future).encode(), "ontour.intake.voorgesprek.gehouden.v9"
        )
        wrong_payload = CloudEvent.wrap(held()).model_dump(mode="json")
        wrong_payload["data"]["organisation_code"] = "Amsterdam"
        await publish(
            nats_url, json.dumps(wrong_payload).encode(), "ontour.intake.voorgesprek.gehouden.v1"
        )
        await publish_event(nats_url, CloudEvent.wrap(held()))

        await wait_processed(harness.consumer, 4, nats_url=nats_url)
        assert await harness.applied_count() == 1
        letters = await dead_letters(nats_url, "test-unreadable")
        assert len(letters) >= 3
        reasons = sorted(letter.reason for letter in letters)
        assert reasons[0] == "malformed JSON: JSONDecodeError"
        assert (
            reasons[1] == "payload does not match "
            "nl.weerbaarbestuur.ontour.intake.voorgesprek-gehouden.v1: organisation_code"
        )
        assert reasons[2] == (
            "unknown event type or version: "
            "nl.weerbaarbestuur.ontour.intake.voorgesprek-gehouden.v9"
        )


async def test_a_redriven_dead_letter_is_processed_once_the_cause_is_fixed(nats_url, db_url):
    broken = {"yes": True}

    async def sometimes_broken(session, envelope, event):
        if broken["yes"]:
            raise RuntimeError("bug")
        await record_applied(session, envelope, event)

    async with consumer_on(nats_url, db_url, make_consumer("redrive", sometimes_broken)) as harness:
        await publish_event(nats_url, CloudEvent.wrap(held()))
        await wait_processed(harness.consumer, 1, nats_url=nats_url)
        [letter] = await dead_letters(nats_url, "test-redrive")
        broken["yes"] = False
        nc = await nats.connect(nats_url)
        await redrive(nc.jetstream(), letter.sequence)
        await nc.close()
        await wait_processed(harness.consumer, 2, nats_url=nats_url)  # the redriven copy
        assert await harness.applied_count() == 1
        assert await dead_letters(nats_url, "test-redrive") == []


async def test_the_messages_of_one_fetch_are_handled_one_after_the_other_in_stream_order(
    nats_url, db_url
):
    running: list[str] = []
    order: list[str] = []
    overlapped: list[str] = []

    async def slow(session, envelope, event):
        if running:
            overlapped.append(str(envelope.id))
        running.append(str(envelope.id))
        await asyncio.sleep(0.02)  # a handler awaiting its database
        await record_applied(session, envelope, event)
        order.append(str(envelope.id))
        running.remove(str(envelope.id))

    events = [CloudEvent.wrap(held(code)) for code in ("GM0014", "GM0034", "GM0037", "GM0047")]
    for event in events:  # all waiting before the consumer starts: one fetch brings them all
        await publish_event(nats_url, event)
    consumer = make_consumer("in-order", slow)
    consumer.fetch_size = 10
    async with consumer_on(nats_url, db_url, consumer):
        await wait_processed(consumer, len(events), nats_url=nats_url)
    assert overlapped == []
    assert order == [str(event.id) for event in events]


async def test_the_messages_of_one_fetch_are_handled_in_one_transaction(nats_url, db_url):
    transactions: list[int] = []

    async def in_transaction(session, envelope, event):
        transactions.append(int((await session.execute(text("SELECT txid_current()"))).scalar()))
        await record_applied(session, envelope, event)

    events = [CloudEvent.wrap(held(code)) for code in ("GM0014", "GM0034", "GM0037")]
    for event in events:  # all waiting before the consumer starts: one fetch brings them all
        await publish_event(nats_url, event)
    async with consumer_on(nats_url, db_url, make_consumer("one-commit", in_transaction)) as h:
        await wait_processed(h.consumer, len(events), nats_url=nats_url)
        assert await h.applied_count() == 3
    assert len(transactions) == 3 and len(set(transactions)) == 1


async def test_a_handler_failing_halfway_a_fetch_costs_the_others_nothing(nats_url, db_url):
    calls: dict[str, int] = {}

    async def fails_for_one(session, envelope, event):
        calls[event.organisation_code] = calls.get(event.organisation_code, 0) + 1
        if event.organisation_code == "GM0666":
            raise RuntimeError("boom")
        await record_applied(session, envelope, event)

    codes = ("GM0014", "GM0666", "GM0034")
    for code in codes:  # one fetch: the failing one between two good ones
        await publish_event(nats_url, CloudEvent.wrap(held(code)))
    consumer = make_consumer("halfway", fails_for_one, max_attempts=2)
    async with consumer_on(nats_url, db_url, consumer) as harness:
        await wait_processed(harness.consumer, 3, nats_url=nats_url)
        assert await harness.applied_count() == 2
        [letter] = await dead_letters(nats_url, "test-halfway")
    assert letter.reason == "handler failed 2 times: RuntimeError"
    # The one before it ran again (its first transaction was undone with the failure); the
    # failing one then ran first in a transaction of its own, as it would have alone (so
    # twice in its first delivery), and once in its second; the one after it once.
    assert calls == {"GM0014": 2, "GM0666": 3, "GM0034": 1}
