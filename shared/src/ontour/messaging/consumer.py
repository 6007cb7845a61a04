"""Durable pull consumers with explicit ack after commit, back-off and dead letters.

Per message:
1. parse and validate the CloudEvent; unreadable (malformed JSON, unknown type or
   version, wrong payload) -> parked at once with its reason;
2. in one transaction: claim the event in the inbox and run the handler;
3. ack after the commit. On an error: nack with back-off until ``max_attempts``, then park.

Parking publishes the original bytes to ``ontour.deadletter.<service>.<consumer>`` with the
reason in headers and waits for the PubAck before terminating the original, so a poison
message is never dropped and never blocks the consumer.

Steps 1-2 and the decision of step 3 are :meth:`EventConsumer.handle`, which needs no
broker (tests deliver events with it directly, ``ontour.testing.delivery``); the
subscription's :meth:`EventConsumer.process` only carries the decision out.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsMessage, PullSub
from faststream.nats.subscriber.usecases.stream_pull_subscriber import PullStreamSubscriber
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy as JsAckPolicy
from nats.js.api import DeliverPolicy
from nats.js.errors import ServiceUnavailableError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from ontour.events import (
    CloudEvent,
    EventData,
    UnreadableEvent,
    events_of,
    parse_event,
    subject,
)
from ontour.messaging import inbox
from ontour.messaging.streams import DEAD_LETTER_STREAM, stream_for
from ontour.observability import metrics
from ontour.observability.logging import get_logger

log = get_logger(__name__)

Handler = Callable[[AsyncSession, CloudEvent, Any], Awaitable[None]]

# Seconds to wait before delivery n+1 after failed delivery n.
DEFAULT_BACKOFF = (0.5, 2.0, 5.0, 15.0, 30.0)


class Verdict(StrEnum):
    """What became of one delivery."""

    PROCESSED = "processed"  # handled and committed with its inbox row: ack
    DUPLICATE = "duplicate"  # its inbox row was there already, no second effect: ack
    SKIPPED = "skipped"  # a known event this consumer has no handler for: ack
    RETRY = "retry"  # the handler failed, attempts are left: nack with a back-off
    PARK = "park"  # unreadable, or out of attempts: to the dead letters


@dataclass(frozen=True)
class Outcome:
    """The decision about one delivery, made without the broker (see ``handle``)."""

    verdict: Verdict
    envelope: CloudEvent | None = None  # None when the message was unreadable
    reason: str = ""  # why it is parked
    kind: str = ""  # the dead-letter metric's kind: unreadable, exhausted, failed
    delay: float = 0.0  # the back-off before a retry
    error: BaseException | None = None  # the handler's exception, if it failed

    @property
    def acked(self) -> bool:
        return self.verdict in (Verdict.PROCESSED, Verdict.DUPLICATE, Verdict.SKIPPED)


@dataclass
class EventConsumer:
    """A durable consumer of one stream, dispatching event types to handlers."""

    service: str
    name: str
    stream: str
    subject: str
    handlers: dict[type[EventData], Handler] = field(default_factory=dict)
    max_attempts: int = 5
    backoff: Sequence[float] = DEFAULT_BACKOFF
    ack_wait_seconds: float = 30.0
    # At most this many messages per fetch (one round trip to the server), handled one after
    # the other in stream order (:class:`InOrderPullSubscriber`). Replicas sharing a durable
    # still overtake each other: handlers must converge anyway.
    fetch_size: int = 50
    _broker: NatsBroker | None = field(default=None, init=False, repr=False)

    @classmethod
    def reading(cls, producer: str, *, service: str, name: str, **options: Any) -> EventConsumer:
        """A consumer of everything ``producer`` publishes: its stream, all its subjects."""
        return cls(service, name, stream_for(producer), events_of(producer), **options)

    @property
    def durable(self) -> str:
        return f"{self.service}-{self.name}"

    def on(self, model: type[EventData]) -> Callable[[Handler], Handler]:
        """Decorator: handle events of ``model`` (its version included)."""

        def register(handler: Handler) -> Handler:
            self.handlers[model] = handler
            return handler

        return register

    def consumer_config(self) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=self.durable,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=JsAckPolicy.EXPLICIT,
            ack_wait=self.ack_wait_seconds,
            # One spare delivery: if a process dies during the last attempt, the next
            # delivery parks the message instead of JetStream silently giving up.
            max_deliver=self.max_attempts + 1,
            filter_subject=self.subject,
            max_ack_pending=1000,
        )

    async def ensure(self, js: JetStreamContext) -> None:
        """Create or update the durable (nats-py alone would ignore changed settings)."""
        await js.add_consumer(self.stream, config=self.consumer_config())

    def subscribe(self, broker: NatsBroker, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._broker = broker

        async def the_message(message: NatsMessage) -> NatsMessage:
            # Decoding is ours (a malformed body must reach process() to be parked), and
            # the handler gets the message itself as its one plain argument: a
            # ``Context`` parameter would make FastDepends resolve it in a worker thread,
            # four thread-pool hops per message.
            return message

        types = ", ".join(model.event_type() for model in self.handlers)

        subscriber = broker.subscriber(
            self.subject,
            stream=JStream(self.stream, declare=False),
            durable=self.durable,
            config=self.consumer_config(),
            pull_sub=PullSub(batch_size=self.fetch_size, timeout=5.0),
            ack_policy=AckPolicy.MANUAL,
            decoder=the_message,
            title=self.durable,
            description=f"Durable consumer {self.durable} of {self.stream}: {types}",
        )
        in_order(subscriber)

        @subscriber
        async def handle(msg: Any) -> None:
            await self.process(bytes(msg.body), msg, sessions)

    async def process(
        self, body: bytes, msg: NatsMessage, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        """The broker adapter: :meth:`handle` decides, this acks, naks or parks."""
        delivered = msg.raw_message.metadata.num_delivered or 1
        outcome = await self.handle(body, delivered, sessions)
        if outcome.verdict is Verdict.RETRY:
            await msg.nack(delay=outcome.delay)
        elif outcome.verdict is Verdict.PARK:
            await self._park(msg, outcome.reason, outcome.kind)
        else:
            await msg.ack()

    async def handle(
        self, body: bytes, delivered: int, sessions: async_sessionmaker[AsyncSession]
    ) -> Outcome:
        """Everything of one delivery but the broker: parse, claim in the inbox and run the
        handler in one transaction, and decide what becomes of the message.

        ``delivered`` is JetStream's delivery count of the message (1 the first time)."""
        try:
            envelope, data = parse_event(body)
        except UnreadableEvent as exc:
            return Outcome(Verdict.PARK, reason=str(exc), kind="unreadable")
        handler = self.handlers.get(type(data))
        if handler is None:  # a known event this consumer does not need
            return Outcome(Verdict.SKIPPED, envelope)
        if delivered > self.max_attempts:
            return Outcome(
                Verdict.PARK,
                envelope,
                reason=f"no outcome after {self.max_attempts} deliveries",
                kind="exhausted",
            )
        try:
            async with sessions() as session, session.begin():
                first_time = await inbox.claim(session, self.durable, envelope.id)
                if first_time:
                    await handler(session, envelope, data)
        except Exception as exc:
            metrics.events_failed.labels(self.service, self.durable).inc()
            log.warning(
                "event handler failed",
                consumer=self.durable,
                event_id=str(envelope.id),
                event_type=envelope.type,
                attempt=delivered,
                error=exc.__class__.__name__,
            )
            if delivered >= self.max_attempts:
                return Outcome(
                    Verdict.PARK,
                    envelope,
                    reason=f"handler failed {delivered} times: {exc.__class__.__name__}",
                    kind="failed",
                    error=exc,
                )
            delay = self.backoff[min(delivered, len(self.backoff)) - 1]
            return Outcome(Verdict.RETRY, envelope, delay=delay, error=exc)
        if first_time:
            metrics.events_consumed.labels(self.service, self.durable, envelope.type).inc()
            return Outcome(Verdict.PROCESSED, envelope)
        metrics.events_duplicate.labels(self.service, self.durable).inc()
        return Outcome(Verdict.DUPLICATE, envelope)

    async def _park(self, msg: NatsMessage, reason: str, kind: str) -> None:
        metadata = msg.raw_message.metadata
        sequence = str(metadata.sequence.stream) if metadata.sequence else ""
        headers = {
            "Ontour-Reason": reason,
            "Ontour-Consumer": self.durable,
            "Ontour-Original-Subject": msg.raw_message.subject,
            "Ontour-Original-Stream": metadata.stream or "",
            "Ontour-Original-Sequence": sequence,
            # Parking the same delivery twice (a crash after the PubAck) keeps one copy.
            "Nats-Msg-Id": f"{metadata.stream}:{sequence}:{self.durable}",
        }
        assert self._broker is not None, "subscribe() first"
        try:
            await self._broker.connection.jetstream().publish(
                subject("deadletter", self.service, self.name),
                msg.raw_message.data,
                headers=headers,
                stream=DEAD_LETTER_STREAM,
                timeout=5.0,
            )
        except Exception as exc:  # cannot park now: leave it for a later delivery
            log.error(
                "dead-letter publish failed", consumer=self.durable, error=exc.__class__.__name__
            )
            await msg.nack(delay=5.0)
            return
        await msg.reject()
        metrics.events_dead_lettered.labels(self.service, self.durable, kind).inc()
        log.warning("event parked as dead letter", consumer=self.durable, reason=reason)


class InOrderPullSubscriber(PullStreamSubscriber):
    """FastStream's pull subscriber, but the messages of one fetch are handled one after the
    other, in stream order (FastStream starts them all at once).

    One fetch round trip brings whatever is waiting, up to ``batch_size``: under load that is
    one round trip for many messages instead of one each, and an idle consumer still gets a
    new message as soon as it arrives (the fetch returns on the first). Every message goes
    through the subscriber's full path (middlewares with the consumer span, handler, ack).
    """

    __slots__ = ()

    async def _consume_pull(self, cb: Callable[[Msg], Coroutine[Any, Any, Any]]) -> None:
        assert self.subscription is not None
        while self.running:
            messages: list[Msg] = []
            with contextlib.suppress(
                NatsTimeoutError, ConnectionClosedError, ServiceUnavailableError
            ):
                messages = await self.subscription.fetch(
                    batch=self.pull_sub.batch_size, timeout=self.pull_sub.timeout
                )
            for handled, message in enumerate(messages):
                if not self.running:
                    await _give_back(messages[handled:])
                    break
                try:
                    await cb(message)
                except BaseException:
                    await _give_back(messages[handled + 1 :])
                    raise


async def _give_back(messages: list[Msg]) -> None:
    """Fetched but not handled (the subscriber stops): redeliver now, not after ack_wait."""
    for message in messages:
        with contextlib.suppress(Exception):
            await message.nak()


def in_order(subscriber: Any) -> None:
    """Make a subscriber FastStream created for a ``PullSub`` handle its fetches in order."""
    if type(subscriber) is not PullStreamSubscriber:  # FastStream changed its classes
        raise TypeError(f"expected FastStream's PullStreamSubscriber, got {type(subscriber)}")
    subscriber.__class__ = InOrderPullSubscriber
