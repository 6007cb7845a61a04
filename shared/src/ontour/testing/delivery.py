"""Events to a consumer without polling: direct delivery and waiting for processing.

- :func:`deliver` runs a consumer's own delivery path (:meth:`EventConsumer.handle`: parse,
  inbox claim and handler in one transaction on the real database, the back-off or parking
  decision) on the bytes the outbox would publish, without a broker. For tests of what a
  handler does with an event; tests of the broker itself (acks, redelivery timing, dead
  letters on the stream, the relay) stay on NATS.
- :func:`wait_processed` waits until a consumer has processed an event (its inbox row) or a
  stream sequence (its durable's ack floor), so a test over NATS waits on the consumer, not
  by polling a read model of its own.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import nats
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from ontour.events import CloudEvent, EventData, registered_contracts
from ontour.messaging.consumer import EventConsumer, Outcome, Verdict
from ontour.testing.plugin import NEVER_SECONDS

Sessions = async_sessionmaker[AsyncSession]


async def deliver(
    consumer: EventConsumer,
    event: EventData | CloudEvent | bytes,
    sessions: Sessions,
    *,
    delivered: int = 1,
    settle: bool = False,
) -> Outcome:
    """Deliver ``event`` to ``consumer`` as JetStream would, on the database of ``sessions``.

    ``event``: a payload (wrapped in a new envelope, as the outbox does), an envelope (e.g.
    to deliver the same event twice) or raw bytes (e.g. a malformed message). It must be an
    event the consumer's subscription would receive. ``delivered`` is the delivery count
    (above 1: a redelivery). With ``settle``, a failed delivery is redelivered at once (the
    back-off is not waited for) until it is acked or parked, as JetStream would redeliver it.
    Returns the outcome of the last delivery; its ``verdict`` says processed, duplicate,
    skipped, retry or park (and ``reason`` why)."""
    if isinstance(event, EventData):
        event = CloudEvent.wrap(event)
    if isinstance(event, CloudEvent):
        _check_subscribed(consumer, event)
        body = event.encode()
    else:
        body = event
    while True:
        outcome = await consumer.handle(body, delivered, sessions)
        if not settle or outcome.verdict is not Verdict.RETRY:
            return outcome
        delivered += 1


def consumer_for(consumers: list[EventConsumer], event: type[EventData]) -> EventConsumer:
    """The one consumer of a service that receives and handles ``event`` on the bus."""
    [found] = [
        consumer
        for consumer in consumers
        if event in consumer.handlers and subject_matches(consumer.subject, event.nats_subject())
    ]
    return found


def _check_subscribed(consumer: EventConsumer, event: CloudEvent) -> None:
    model = registered_contracts().get(event.type)
    if model is None:
        return  # unreadable: the consumer parks it, whatever its subject
    if not subject_matches(consumer.subject, model.nats_subject()):
        raise AssertionError(
            f"{consumer.durable} subscribes to {consumer.subject}: "
            f"it never receives {model.nats_subject()}"
        )


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: ``*`` is one token, a final ``>`` one or more."""
    wanted, tokens = pattern.split("."), subject.split(".")
    for index, part in enumerate(wanted):
        if part == ">":
            return len(tokens) > index
        if index >= len(tokens) or part not in ("*", tokens[index]):
            return False
    return len(wanted) == len(tokens)


async def wait_processed(
    consumer: EventConsumer,
    processed: CloudEvent | uuid.UUID | int,
    *,
    sessions: Sessions | None = None,
    nats_url: str | None = None,
    timeout: float = NEVER_SECONDS,  # noqa: ASYNC109
) -> None:
    """Wait until ``consumer`` has processed an event, or everything up to a sequence.

    - an event (envelope or id), with the consuming service's ``sessions``: until its inbox
      row is committed, i.e. the handler's effects are visible;
    - a stream sequence (int), with ``nats_url``: until the durable's ack floor reaches it,
      i.e. every message up to it was acked or parked (also the ones it had no handler for).

    The timeout only bounds a consumer that never gets there (a failure, not a target)."""
    if isinstance(processed, int):
        if nats_url is None:
            raise TypeError("waiting for a stream sequence needs nats_url")
        await _wait_ack_floor(consumer, processed, nats_url, timeout)
        return
    if sessions is None:
        raise TypeError("waiting for an event needs the consuming service's sessions")
    event_id = processed.id if isinstance(processed, CloudEvent) else processed

    async def in_inbox() -> bool:
        async with sessions() as session:
            row = await session.execute(
                text("SELECT 1 FROM inbox WHERE consumer = :consumer AND event_id = :id"),
                {"consumer": consumer.durable, "id": event_id},
            )
            return row.first() is not None

    await _until(in_inbox, timeout, f"{consumer.durable} did not process event {event_id}")


async def wait_caught_up(
    consumer: EventConsumer,
    *,
    producer: Sessions,
    sessions: Sessions,
    timeout: float = NEVER_SECONDS,  # noqa: ASYNC109
) -> int:
    """Wait until ``consumer`` processed every event the producing service has committed to
    its outbox so far that the consumer handles (``producer``: the producer's sessions,
    ``sessions``: the consumer's). For tests of a flow across services over NATS: they wait
    on the consumer's inbox instead of polling its read model. Returns how many events."""
    types = [model.event_type() for model in consumer.handlers]
    async with producer() as session:
        ids = (
            await session.execute(
                text("SELECT id FROM outbox WHERE event_type = ANY(:types) ORDER BY created_at"),
                {"types": types},
            )
        ).scalars()
        event_ids = list(ids)

    async def all_in_inbox() -> bool:
        async with sessions() as session:
            found = await session.execute(
                text(
                    "SELECT count(*) FROM inbox WHERE consumer = :consumer AND event_id = ANY(:ids)"
                ),
                {"consumer": consumer.durable, "ids": event_ids},
            )
            return int(found.scalar_one()) == len(event_ids)

    await _until(
        all_in_inbox,
        timeout,
        f"{consumer.durable} did not process the {len(event_ids)} events announced",
    )
    return len(event_ids)


async def _wait_ack_floor(
    consumer: EventConsumer,
    sequence: int,
    nats_url: str,
    timeout: float,  # noqa: ASYNC109
) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()

        async def acked() -> bool:
            try:
                info: Any = await js.consumer_info(consumer.stream, consumer.durable)
            except nats.js.errors.NotFoundError:
                return False  # the service has not created its durable yet
            return int(info.ack_floor.stream_seq) >= sequence

        await _until(
            acked, timeout, f"{consumer.durable} did not ack up to stream sequence {sequence}"
        )
    finally:
        await nc.close()


async def _until(check: Any, timeout: float, failure: str) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    interval = 0.005
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"{failure} within {timeout} s")
        await asyncio.sleep(interval)
        interval = min(interval * 2, 0.05)
