"""Durable pull consumers with explicit ack after commit, back-off and dead letters.

Per message:
1. parse and validate the CloudEvent; unreadable (malformed JSON, unknown type or
   version, wrong payload) -> parked at once with its reason;
2. in one transaction: claim the event in the inbox and run the handler (the messages of
   one fetch share that transaction, in stream order; see :meth:`EventConsumer.handle_many`
   for what a failing handler does to the others: nothing);
3. ack after the commit. On an error: nack with back-off until ``max_attempts``, then park.

Parking publishes the original bytes to ``ontour.deadletter.<service>.<consumer>`` with the
reason in headers and waits for the PubAck before terminating the original, so a poison
message is never dropped and never blocks the consumer.

Steps 1-2 and the decision of step 3 are :meth:`EventConsumer.handle` (``handle_many`` for
a fetch), which needs no broker (tests deliver events with it directly,
``ontour.testing.delivery``); the subscription's :meth:`EventConsumer.process` only makes
the consumer spans and carries the decisions out.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any, cast

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
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, StatusCode
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
from ontour.observability.tracing import tracer

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
            # Decoding is ours (a malformed body must reach handle_many() to be parked), and
            # the handler gets the message itself as its one plain argument: a
            # ``Context`` parameter would make FastDepends resolve it in a worker thread.
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
        in_order(subscriber, partial(self.process, sessions=sessions))

        # What FastStream itself would deliver (its test client, a message handed to the
        # subscriber directly) goes the same way as a fetch.
        @subscriber
        async def handle(msg: Any) -> None:
            await self.process([msg.raw_message], sessions)

    async def process(
        self, messages: Sequence[Msg], sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        """The broker adapter for the messages of one fetch: a CONSUMER span each (in the
        trace of the request that produced it), :meth:`handle_many` decides, then each is
        acked, nacked or parked, in order."""
        spans = [_consumer_span(message) for message in messages]
        try:
            outcomes = await self.handle_many(
                [(message.data, message.metadata.num_delivered or 1) for message in messages],
                sessions,
                [trace.set_span_in_context(span) for span in spans],
            )
            for message, outcome, span in zip(messages, outcomes, spans, strict=True):
                if outcome.error is not None:
                    span.record_exception(outcome.error)
                    span.set_status(StatusCode.ERROR)
                with trace.use_span(span, end_on_exit=False):
                    await self._settle(message, outcome)
        finally:
            for span in spans:
                span.end()

    async def _settle(self, message: Msg, outcome: Outcome) -> None:
        if outcome.verdict is Verdict.RETRY:
            await message.nak(delay=outcome.delay)
        elif outcome.verdict is Verdict.PARK:
            await self._park(message, outcome.reason, outcome.kind)
        else:
            await message.ack()

    async def handle(
        self, body: bytes, delivered: int, sessions: async_sessionmaker[AsyncSession]
    ) -> Outcome:
        """Everything of one delivery but the broker: parse, claim in the inbox and run the
        handler in one transaction, and decide what becomes of the message.

        ``delivered`` is JetStream's delivery count of the message (1 the first time)."""
        [outcome] = await self.handle_many([(body, delivered)], sessions)
        return outcome

    async def handle_many(
        self,
        messages: Sequence[tuple[bytes, int]],
        sessions: async_sessionmaker[AsyncSession],
        contexts: Sequence[Context | None] = (),
    ) -> list[Outcome]:
        """:meth:`handle` for the messages of one fetch, ``(body, delivered)`` each, in
        order: their inbox claims and handlers in ONE transaction (one session and commit
        instead of one each, which is most of a message's cost). If a handler fails,
        nothing of that transaction stays: the ones before it are applied again together,
        it gets the outcome it would have had alone (retry or park), and the rest go on;
        a failing commit has each applied alone. ``contexts``: the trace context to run each
        message's handler in."""
        read = [self._read(body, delivered) for body, delivered in messages]
        for delivery, context in zip(read, contexts, strict=False):
            if isinstance(delivery, _Delivery):
                delivery.context = context
        deliveries = [delivery for delivery in read if isinstance(delivery, _Delivery)]
        outcomes: dict[int, Outcome] = {}
        batches = deque([deliveries] if deliveries else [])
        while batches:
            batch = batches.popleft()
            try:
                await self._apply(batch, sessions)
            except _HandlerFailed as failed:
                index, error = failed.index, failed.error
            except Exception as exc:  # at the commit: whose change it was is not known
                index, error = None, exc
            else:
                outcomes.update((id(delivery), self._applied(delivery)) for delivery in batch)
                continue
            if len(batch) == 1 or index == 0:  # as it would have failed alone
                outcomes[id(batch[0])] = self._failed(batch[0], error)
                batches.extendleft([batch[1:]] if len(batch) > 1 else [])
            elif index is None:
                batches.extendleft(reversed([[delivery] for delivery in batch]))
            else:  # the ones before it went well: again together, then it first of the rest
                batches.extendleft([batch[index:], batch[:index]])
        return [
            outcomes[id(delivery)] if isinstance(delivery, _Delivery) else delivery
            for delivery in read
        ]

    def _read(self, body: bytes, delivered: int) -> Outcome | _Delivery:
        """The outcome of a message that needs no transaction, or what to hand its handler."""
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
        return _Delivery(envelope, data, handler, delivered)

    async def _apply(
        self, deliveries: list[_Delivery], sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        """Claim and handle ``deliveries`` in one transaction (all or nothing); a handler's
        failure is raised as :class:`_HandlerFailed`, saying which."""
        async with sessions() as session, session.begin():
            # The inbox claims of all of them first, in one statement (a failure here is the
            # transaction's, as at the commit).
            claimed = await inbox.claim(
                session, self.durable, [delivery.envelope.id for delivery in deliveries]
            )
            for index, (delivery, first_time) in enumerate(zip(deliveries, claimed, strict=True)):
                delivery.first_time = first_time
                token = otel_context.attach(delivery.context) if delivery.context else None
                try:
                    if first_time:
                        await delivery.handler(session, delivery.envelope, delivery.data)
                except Exception as exc:
                    raise _HandlerFailed(index, exc) from exc
                finally:
                    if token is not None:
                        otel_context.detach(token)

    def _applied(self, delivery: _Delivery) -> Outcome:
        envelope = delivery.envelope
        if delivery.first_time:
            metrics.events_consumed.labels(self.service, self.durable, envelope.type).inc()
            return Outcome(Verdict.PROCESSED, envelope)
        metrics.events_duplicate.labels(self.service, self.durable).inc()
        return Outcome(Verdict.DUPLICATE, envelope)

    def _failed(self, delivery: _Delivery, exc: Exception) -> Outcome:
        envelope, delivered = delivery.envelope, delivery.delivered
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

    async def _park(self, msg: Msg, reason: str, kind: str) -> None:
        metadata = msg.metadata
        sequence = str(metadata.sequence.stream) if metadata.sequence else ""
        headers = {
            "Ontour-Reason": reason,
            "Ontour-Consumer": self.durable,
            "Ontour-Original-Subject": msg.subject,
            "Ontour-Original-Stream": metadata.stream or "",
            "Ontour-Original-Sequence": sequence,
            # Parking the same delivery twice (a crash after the PubAck) keeps one copy.
            "Nats-Msg-Id": f"{metadata.stream}:{sequence}:{self.durable}",
        }
        assert self._broker is not None, "subscribe() first"
        try:
            await self._broker.connection.jetstream().publish(
                subject("deadletter", self.service, self.name),
                msg.data,
                headers=headers,
                stream=DEAD_LETTER_STREAM,
                timeout=5.0,
            )
        except Exception as exc:  # cannot park now: leave it for a later delivery
            log.error(
                "dead-letter publish failed", consumer=self.durable, error=exc.__class__.__name__
            )
            await msg.nak(delay=5.0)
            return
        await msg.term()
        metrics.events_dead_lettered.labels(self.service, self.durable, kind).inc()
        log.warning("event parked as dead letter", consumer=self.durable, reason=reason)


class _HandlerFailed(Exception):
    def __init__(self, index: int, error: Exception) -> None:
        super().__init__(index, error)
        self.index, self.error = index, error


@dataclass
class _Delivery:
    """A readable message with a handler, on its way through :meth:`EventConsumer._apply`."""

    envelope: CloudEvent
    data: EventData
    handler: Handler
    delivered: int
    context: Context | None = None
    first_time: bool = False


def _consumer_span(message: Msg) -> Span:
    """The CONSUMER span of one message, a child of the PRODUCER span in its headers (the
    one FastStream's telemetry middleware would make: same name and attributes)."""
    return tracer.start_span(
        f"{message.subject} process",
        context=propagate.extract(message.headers or {}),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.system": "nats",
            "messaging.operation": "process",
            "messaging.message.id": (message.headers or {}).get("Nats-Msg-Id", ""),
            "messaging.message.payload_size_bytes": len(message.data),
            "messaging.destination_publish.name": message.subject,
        },
    )


FetchedHandler = Callable[[Sequence[Msg]], Awaitable[None]]


class InOrderPullSubscriber(PullStreamSubscriber):
    """FastStream's pull subscriber (connection, durable, lifecycle, AsyncAPI), but the
    messages of one fetch go to one call, in stream order (FastStream starts them all at
    once, each through its middlewares).

    One fetch round trip brings whatever is waiting, up to ``batch_size``: under load that is
    one round trip (and one transaction, see :meth:`EventConsumer.handle_many`) for many
    messages instead of one each, and an idle consumer still gets a new message as soon as
    it arrives (the fetch returns on the first).
    """

    __slots__ = ()
    fetched: FetchedHandler

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
            if not messages:
                continue
            try:
                await self.fetched(messages)
            except BaseException:
                # Stopped (or broken) halfway: what is still pending is redelivered now,
                # not after ack_wait (a nak of a settled message changes nothing).
                for message in messages:
                    with contextlib.suppress(Exception):
                        await message.nak()
                raise


def in_order(subscriber: Any, fetched: FetchedHandler) -> None:
    """Make a subscriber FastStream created for a ``PullSub`` hand each fetch to
    ``fetched``."""
    if type(subscriber) is not PullStreamSubscriber:  # FastStream changed its classes
        raise TypeError(f"expected FastStream's PullStreamSubscriber, got {type(subscriber)}")
    subscriber.__class__ = InOrderPullSubscriber
    cast(InOrderPullSubscriber, subscriber).fetched = fetched
