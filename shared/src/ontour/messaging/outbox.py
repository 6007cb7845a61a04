"""Transactional outbox.

A service writes its state change and its outbox rows in one transaction (:func:`enqueue`).
The :class:`OutboxRelay` publishes unsent rows to JetStream with ``Nats-Msg-Id`` = event id
and marks them sent only after the PubAck. A crash at any point loses nothing: an unmarked
row is published again (JetStream drops the duplicate inside its window; the consumers'
inbox drops it after). The relay wakes on ``NOTIFY`` at commit (and lingers a few
milliseconds, so what commits meanwhile goes in the same batch), with a slow poll as a safety
net, on a database connection of its own (not the service's pool), and rows are claimed
with ``FOR UPDATE SKIP LOCKED`` so several relays can share one database. Each publish has a
PRODUCER span in the trace of the request that wrote the row. Sent rows are kept for a
retention period so events can be re-driven.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import Column, DateTime, Index, LargeBinary, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from ontour.db import asyncpg_dsn, execute_plain, session_factory
from ontour.events import CloudEvent, EventData
from ontour.messaging.streams import stream_for
from ontour.observability import metrics
from ontour.observability.logging import get_logger
from ontour.observability.tracing import current_trace_headers, tracer

NOTIFY_CHANNEL = "ontour_outbox"
RELAY_APPLICATION_NAME = "ontour-outbox-relay"  # the relay's own connection, as PostgreSQL shows it
CONTENT_TYPE = "application/cloudevents+json"
log = get_logger(__name__)


class OutboxMessage(SQLModel, table=True):
    """An event waiting to be (or already) published."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_unsent", "created_at", postgresql_where=text("sent_at IS NULL")),
    )

    id: uuid.UUID = Field(primary_key=True, description="Event id; also Nats-Msg-Id.")
    subject: str = Field(description="NATS subject to publish on.")
    event_type: str
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    trace_headers: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSONB, nullable=False)
    )
    created_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    sent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    attempts: int = 0
    last_error: str | None = None


# The relay's statements, on the pooled connection's asyncpg driver (prepared once per
# connection by asyncpg's statement cache): the relay reads a few columns and marks ids, it
# needs neither the ORM nor SQLAlchemy's execution layer, which cost more than the publish.
_UNSENT = (
    "SELECT id, subject, event_type, payload, trace_headers::text FROM outbox "
    "WHERE sent_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED"
)
_SENT = "UPDATE outbox SET sent_at = $2 WHERE id = ANY($1::uuid[])"
_FAILED = "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1"
_LAG = "SELECT count(*), min(created_at) FROM outbox WHERE sent_at IS NULL"
_PURGE = "DELETE FROM outbox WHERE sent_at < $1"


@dataclass(frozen=True, slots=True)
class UnsentEvent:
    """An outbox row the relay is publishing."""

    id: uuid.UUID
    subject: str
    event_type: str
    payload: bytes
    trace_headers: dict[str, str]


# One statement for any number of events (a bulk import announces thousands of rows without
# a round trip each), prepared once per connection. Its RETURNING notifies the relay
# (delivered to its LISTEN at commit, once per transaction, never for a rolled-back one): no
# round trip of its own for a NOTIFY.
_INSERT_AND_NOTIFY = (
    "INSERT INTO outbox (id, subject, event_type, payload, trace_headers, created_at, attempts) "
    "SELECT id, subject, event_type, payload, $5::text::jsonb, created_at, 0 "
    "FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $6::timestamptz[]) "
    "AS e(id, subject, event_type, payload, created_at) "
    "RETURNING pg_notify($7, '')"
)


async def enqueue(session: AsyncSession, data: EventData) -> CloudEvent:
    """Add an event to the outbox inside the caller's transaction."""
    return (await enqueue_many(session, [data]))[0]


async def enqueue_many(session: AsyncSession, events: list[EventData]) -> list[CloudEvent]:
    """Add events to the outbox inside the caller's transaction, in one statement."""
    if not events:
        return []
    wrapped = [CloudEvent.wrap(data) for data in events]
    # Straight to the driver in the session's transaction: no ORM or SQLAlchemy execution
    # layer for rows nobody reads back.
    await execute_plain(
        session,
        _INSERT_AND_NOTIFY,
        [event.id for event in wrapped],
        [data.nats_subject() for data in events],
        [event.type for event in wrapped],
        [event.encode() for event in wrapped],
        json.dumps(current_trace_headers()),
        [event.time for event in wrapped],
        NOTIFY_CHANNEL,
    )
    return wrapped


class OutboxRelay:
    """Publishes the outbox of one service's database to its JetStream stream."""

    def __init__(
        self,
        engine: AsyncEngine,
        broker: NatsBroker,
        service: str,
        *,
        batch_size: int = 100,
        publish_timeout: float = 5.0,
        safety_poll_seconds: float = 2.0,
        linger_seconds: float = 0.005,
        retention: timedelta = timedelta(days=30),
    ) -> None:
        self._engine = engine
        self._broker = broker
        self._service = service
        self._stream = stream_for(service)
        self._batch_size = batch_size
        self._publish_timeout = publish_timeout
        self._safety_poll = safety_poll_seconds
        self._linger = linger_seconds
        self._retention = retention
        self._wake = asyncio.Event()
        self._stopping = False
        self._last_purge = datetime.min.replace(tzinfo=UTC)
        self._last_housekeeping = datetime.min.replace(tzinfo=UTC)

    def stop(self) -> None:
        """Finish the current batch, then return from :meth:`run`."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Relay until stopped. Survives broker and database outages by retrying.

        The relay has a connection of its own (not one from the service's pool): it LISTENs
        on it and runs its batches and housekeeping on it, so a wake-up costs no pool
        checkout, and the service's requests never wait for the relay or it for them."""
        own: asyncpg.Connection | None = None
        backoff = 0.1
        try:
            while not self._stopping:
                try:
                    if own is None or own.is_closed():
                        own = await asyncpg.connect(
                            asyncpg_dsn(self._engine.url.render_as_string(hide_password=False)),
                            server_settings={"application_name": RELAY_APPLICATION_NAME},
                        )
                        await own.add_listener(NOTIFY_CHANNEL, lambda *_: self._wake.set())
                    published = await self._relay_on(own)
                    await self._housekeeping(own)
                    backoff = 0.1
                    if published < self._batch_size:
                        # (asyncio.timeout: no task per wait, as wait_for would make)
                        with contextlib.suppress(TimeoutError):
                            async with asyncio.timeout(self._safety_poll):
                                await self._wake.wait()
                        # Woken (by a commit, or the safety poll): what commits in the next
                        # moment goes out in the same batch (one transaction and one PubAck
                        # round trip for several rows, instead of one each at a steady rate).
                        await asyncio.sleep(self._linger)
                        self._wake.clear()
                except Exception as exc:  # broker or database away: wait, then try again
                    current = asyncio.current_task()
                    if self._stopping or (current is not None and current.cancelling()):
                        # A driver may wrap the cancellation: never retry through a shutdown.
                        raise asyncio.CancelledError from exc
                    log.warning(
                        "outbox relay retrying", error=exc.__class__.__name__, service=self._service
                    )
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
        finally:
            if own is not None and not own.is_closed():
                own.terminate()

    async def relay_once(self) -> int:
        """Publish one batch of unsent rows on a connection from the pool (without
        :meth:`run`: tests, tools); returns how many were confirmed by JetStream."""
        async with self._engine.connect() as pooled:
            conn: asyncpg.Connection = (await pooled.get_raw_connection()).driver_connection
            return await self._relay_on(conn)

    async def _relay_on(self, conn: asyncpg.Connection) -> int:
        async with conn.transaction():
            return await self._relay_batch(conn)

    async def _relay_batch(self, conn: asyncpg.Connection) -> int:
        rows = [
            UnsentEvent(
                row["id"],
                row["subject"],
                row["event_type"],
                row["payload"],
                json.loads(row["trace_headers"]),
            )
            for row in await conn.fetch(_UNSENT, self._batch_size)
        ]
        if not rows:
            return 0
        # Publish the batch concurrently (one PubAck round-trip, not one per row), then
        # mark in outbox order up to the first failure: the rest is retried, and
        # JetStream drops the re-publish of anything that was in fact stored.
        js = self._broker.connection.jetstream()
        results: list[BaseException | None]
        if len(rows) == 1:  # most wake-ups at a steady rate: no task for the one publish
            try:
                await self._publish(js, rows[0])
                results = [None]
            except Exception as exc:
                results = [exc]
        else:
            results = await asyncio.gather(
                *(self._publish(js, row) for row in rows), return_exceptions=True
            )
        sent: list[uuid.UUID] = []
        for row, result in zip(rows, results, strict=True):
            if isinstance(result, BaseException):
                await conn.execute(_FAILED, row.id, result.__class__.__name__)
                break
            self._after_publish(row)
            sent.append(row.id)
        if sent:
            await conn.execute(_SENT, sent, datetime.now(UTC))
        return len(sent)

    async def _publish(self, js: JetStreamContext, row: UnsentEvent) -> None:
        # Straight to nats-py, with the PRODUCER span FastStream's telemetry middleware
        # would make (same name and attributes), a child of the producing request's span
        # (its context was stored with the row); the span's context goes along in the
        # headers, so the consumer's span is its child: one trace.
        span = tracer.start_span(
            f"{row.subject} publish",
            context=propagate.extract(row.trace_headers),
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "nats",
                "messaging.destination.name": row.subject,
                "messaging.message.conversation_id": str(row.id),
                "messaging.operation": "publish",
            },
        )
        try:
            headers = {"Nats-Msg-Id": str(row.id), "content-type": CONTENT_TYPE}
            propagate.inject(headers, context=trace.set_span_in_context(span))
            await js.publish(
                row.subject,
                row.payload,
                timeout=self._publish_timeout,
                stream=self._stream,
                headers=headers,
            )
        except BaseException as exc:
            span.record_exception(exc)
            span.set_status(StatusCode.ERROR, exc.__class__.__name__)
            raise
        finally:
            span.end()
        metrics.events_published.labels(self._service, row.event_type).inc()

    def _after_publish(self, row: UnsentEvent) -> None:
        """Seam between the PubAck and the mark (tests crash the relay here)."""

    async def _housekeeping(self, conn: asyncpg.Connection) -> None:
        """Lag metrics (at most once a second) and the retention purge (hourly)."""
        now = datetime.now(UTC)
        if now - self._last_housekeeping < timedelta(seconds=1):
            return
        self._last_housekeeping = now
        unsent, oldest = await conn.fetchrow(_LAG)
        metrics.outbox_lag.labels(self._service).set(unsent)
        age = (now - oldest).total_seconds() if oldest else 0.0
        metrics.outbox_oldest_unsent_seconds.labels(self._service).set(age)
        if now - self._last_purge > timedelta(hours=1):
            await conn.execute(_PURGE, now - self._retention)
            self._last_purge = now


async def redrive(engine: AsyncEngine, since: datetime) -> int:
    """Mark sent rows since ``since`` as unsent, so the relay publishes them again.

    For when the broker lost acknowledged messages (its fsync is lazy by default).
    Consumers' inboxes make the re-delivery harmless.
    """
    async with session_factory(engine)() as session, session.begin():
        result: Any = await session.execute(
            text(
                "UPDATE outbox SET sent_at = NULL WHERE sent_at IS NOT NULL "
                "AND created_at >= :since"
            ),
            {"since": since},
        )
        await session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
        return int(result.rowcount)
