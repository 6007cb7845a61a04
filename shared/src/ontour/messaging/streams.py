"""Every JetStream stream, declared in this one place.

One stream per producing service (``ontour.<service>.>``) plus the dead-letter stream.
File storage; no age limit, so the whole history can be replayed (events hold no personal
data); a de-duplication window far longer than the outbox relay's retry horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, KeyValueConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BucketNotFoundError, NotFoundError

DUPLICATE_WINDOW_SECONDS = 2 * 60 * 60
PRODUCING_SERVICES = ("intake", "scheduling", "aftercare")
DEAD_LETTER_STREAM = "ONTOUR_DEADLETTERS"
DEAD_LETTER_PREFIX = "ontour.deadletter"


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subjects: list[str]
    description: str

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
        )


def stream_for(service: str) -> str:
    return f"ONTOUR_{service.upper()}"


STREAMS: list[StreamSpec] = [
    *(
        StreamSpec(stream_for(s), [f"ontour.{s}.>"], f"Events published by the {s} service")
        for s in PRODUCING_SERVICES
    ),
    StreamSpec(
        DEAD_LETTER_STREAM,
        [f"{DEAD_LETTER_PREFIX}.>"],
        "Messages a consumer could not process, parked with their reason",
    ),
]


SESSION_BUCKET = "ontour_sessions"
SESSION_TTL_SECONDS = 8 * 60 * 60
# The wrapped data keys of aftercare cases, outside the database so that a database backup
# alone can never decrypt an erased case (crypto-shredding). History 1: a purged key is gone.
CASE_KEY_BUCKET = "ontour_case_keys"


async def ensure_streams_at(nats_url: str, *, replicas: int = 1) -> None:
    """Connect, bring every stream to its definition (the infrastructure step), disconnect."""
    import nats

    connection = await nats.connect(nats_url)
    try:
        await ensure_streams(connection.jetstream(), update=True, replicas=replicas)
    finally:
        await connection.close()


async def ensure_streams(js: JetStreamContext, *, update: bool, replicas: int = 1) -> None:
    """Create missing streams; with ``update`` also bring existing ones to this definition.

    Services call this with ``update=False`` (never overwrite what an operator set); the
    infrastructure step (``ontour streams ensure``) calls it with ``update=True``.
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
        try:
            await js.key_value(bucket.bucket)
        except BucketNotFoundError:
            await js.create_key_value(bucket)
