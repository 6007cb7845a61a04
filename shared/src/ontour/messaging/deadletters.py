"""Inspect and re-drive parked messages (``ontour dead-letters list|redrive``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from ontour.messaging.streams import DEAD_LETTER_PREFIX, DEAD_LETTER_STREAM


@dataclass(frozen=True)
class DeadLetter:
    sequence: int
    parked_at: datetime | None
    consumer: str
    reason: str
    original_subject: str
    original_sequence: str
    data: bytes


async def list_dead_letters(js: JetStreamContext, consumer: str | None = None) -> list[DeadLetter]:
    """Every parked message, oldest first (optionally for one durable consumer)."""
    info = await js.stream_info(DEAD_LETTER_STREAM)
    letters: list[DeadLetter] = []
    if info.state.messages == 0:
        return letters
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            raw = await js.get_msg(DEAD_LETTER_STREAM, sequence)
        except NotFoundError:  # re-driven (deleted)
            continue
        headers = raw.headers or {}
        letter = DeadLetter(
            sequence=raw.seq or sequence,
            parked_at=getattr(raw, "time", None),
            consumer=headers.get("Ontour-Consumer", ""),
            reason=headers.get("Ontour-Reason", ""),
            original_subject=headers.get("Ontour-Original-Subject", ""),
            original_sequence=headers.get("Ontour-Original-Sequence", ""),
            data=raw.data or b"",
        )
        if consumer is None or letter.consumer == consumer:
            letters.append(letter)
    return letters


async def count_dead_letters(js: JetStreamContext, consumer_prefix: str = "") -> int:
    """How many messages are parked, e.g. for a service's consumers (``"reporting-"``)."""
    if not consumer_prefix:
        return int((await js.stream_info(DEAD_LETTER_STREAM)).state.messages)
    return sum(
        1 for letter in await list_dead_letters(js) if letter.consumer.startswith(consumer_prefix)
    )


async def redrive(js: JetStreamContext, sequence: int) -> DeadLetter:
    """Publish a parked message again to its original subject, then remove it from the DLQ.

    It gets a fresh ``Nats-Msg-Id`` (the original id may still be inside the dedupe window);
    consumers that already processed the event skip it through their inbox.
    """
    letters = {letter.sequence: letter for letter in await list_dead_letters(js)}
    letter = letters.get(sequence)
    if letter is None:
        raise LookupError(f"no dead letter with sequence {sequence}")
    await js.publish(
        letter.original_subject,
        letter.data,
        headers={
            "Nats-Msg-Id": f"redrive:{DEAD_LETTER_PREFIX}:{sequence}",
            "content-type": "application/cloudevents+json",
        },
        timeout=5.0,
    )
    await js.delete_msg(DEAD_LETTER_STREAM, sequence)
    return letter
