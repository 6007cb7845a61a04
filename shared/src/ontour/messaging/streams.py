"""Every JetStream stream, declared in this one place.

One stream per producing service (``ontour.<service>.>``; the producers are those with an
event contract, ``ontour.events``) plus the dead-letter and audit-anchor streams.
File storage; no age limit, so the whole history can be replayed (events hold no personal
data); a de-duplication window far longer than the outbox relay's retry horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, KeyValueConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NotFoundError

from ontour.events import events_of, producing_services, subject

DUPLICATE_WINDOW_SECONDS = 2 * 60 * 60
PRODUCING_SERVICES = tuple(producing_services())
DEAD_LETTER_STREAM = "ONTOUR_DEADLETTERS"
DEAD_LETTER_PREFIX = subject("deadletter")
# The heads of the audit chains (ontour.audit), outside the services' databases.
AUDIT_ANCHOR_STREAM = "ONTOUR_AUDIT_ANCHORS"
AUDIT_ANCHOR_PREFIX = subject("audit", "anchor")


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: list[str]
    description: str
    # Refuse deleting single messages and purging through the API (the audit anchors).
    sealed_history: bool = False

    def config(self, replicas: int = 1) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            description=self.description,
            subjects=self.subjects,
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=0,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            num_replicas=replicas,
            deny_delete=self.sealed_history,
            deny_purge=self.sealed_history,
        )


def stream_for(service: str) -> str:
    return f"ONTOUR_{service.upper()}"


STREAMS: list[StreamSpec] = [
    *(
        StreamSpec(stream_for(s), [events_of(s)], f"Events published by the {s} service")
        for s in PRODUCING_SERVICES
    ),
    StreamSpec(
        DEAD_LETTER_STREAM,
        [subject("deadletter", ">")],
        "Messages a consumer could not process, parked with their reason",
    ),
    StreamSpec(
        AUDIT_ANCHOR_STREAM,
        [subject("audit", "anchor", ">")],
        "Heads of the services' audit chains (sequence and HMAC), to detect truncation",
        sealed_history=True,
    ),
]


SESSION_BUCKET = "ontour_sessions"
SESSION_TTL_SECONDS = 8 * 60 * 60
# The wrapped data keys of aftercare cases, outside the database so that a database backup
# alone can never decrypt an erased case (crypto-shredding). History 1: a purged key is gone.
CASE_KEY_BUCKET = "ontour_case_keys"
# Buckets only one service may touch: deploy/nats/auth.conf refuses the others every call on
# them, even the info a service would ask at start-up to see that the bucket exists. So
# only the infrastructure step creates them (aftercare finds its bucket when it needs it).
OWNED_BUCKETS = {CASE_KEY_BUCKET: "aftercare"}


async def bucket_keys(js: JetStreamContext, bucket: str) -> list[str]:
    """The keys that hold a value in ``bucket`` now.

    Not nats-py's ``KeyValue.keys()``: its watcher stops at a "no more keys" marker, which it
    sends when the consumer's info counts nothing pending and it has counted no message yet:
    that can be before the keys it was already sent, and then it answers "no keys" (an
    error, like an empty bucket). Here the bucket stream's subjects are every key written
    and not yet expired; ``get()`` leaves out the deleted and purged ones. The server lists
    up to 100,000 subjects at once: far more than any of our buckets holds."""
    kv = await js.key_value(bucket)
    prefix = f"$KV.{bucket}."
    info = await js.stream_info(f"KV_{bucket}", subjects_filter=f"{prefix}>")
    keys = []
    for written in info.state.subjects or {}:
        key = written.removeprefix(prefix)
        try:
            await kv.get(key)
        except KeyNotFoundError:  # nats-py raises it for a deleted key too
            continue
        keys.append(key)
    return keys


def inbox_prefix(service: str) -> str:
    """Where a service's replies arrive. Every NATS user may subscribe to ``_INBOX.>``, so a
    reply there (a key-value get answered by JetStream) can be read by any of them: the owner
    of a bucket gets inboxes of its own (``_INBOX_aftercare.``), which no one else may read."""
    return f"_INBOX_{service}" if service in OWNED_BUCKETS.values() else "_INBOX"


async def ensure_streams_at(nats_url: str, *, replicas: int = 1) -> None:
    """Connect, bring every stream to its definition (the infrastructure step), disconnect."""
    import nats

    from ontour.messaging.connection import NatsServers

    connection = await nats.connect(**NatsServers.parse(nats_url).connect_options())
    try:
        await ensure_streams(connection.jetstream(), update=True, replicas=replicas)
    finally:
        await connection.close()


async def ensure_streams(js: JetStreamContext, *, update: bool, replicas: int = 1) -> None:
    """Create missing streams; with ``update`` also bring existing ones to this definition.

    Services call this with ``update=False`` (never overwrite what an operator set) and leave
    the buckets of :data:`OWNED_BUCKETS` alone; the infrastructure step (``ontour streams
    ensure``) calls it with ``update=True`` and creates those too.
    """
    for spec in STREAMS:
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(spec.config(replicas))
            continue
        if update:
            await js.update_stream(spec.config(replicas))
    buckets = [
        KeyValueConfig(
            bucket=SESSION_BUCKET,
            ttl=SESSION_TTL_SECONDS,
            history=1,
            storage=StorageType.FILE,
            replicas=replicas,
            description="Encrypted browser sessions (ontour.auth.sessions)",
        ),
        KeyValueConfig(
            bucket=CASE_KEY_BUCKET,
            history=1,
            storage=StorageType.FILE,
            replicas=replicas,
            description="Wrapped data keys of aftercare cases (purged on erasure)",
        ),
    ]
    for bucket in buckets:
        if not update and bucket.bucket in OWNED_BUCKETS:
            continue
        try:
            await js.key_value(bucket.bucket)
        except BucketNotFoundError:
            await js.create_key_value(bucket)
