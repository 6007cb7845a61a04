"""The keys of a NATS KV bucket that hold a value (ontour.messaging.streams.bucket_keys): what
the back-channel logout goes through to end a person's sessions."""

from __future__ import annotations

import uuid

import nats
from ontour.messaging.streams import bucket_keys


async def test_the_keys_with_a_value_and_none_of_the_deleted_or_purged(nats_url):
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        bucket = f"test_keys_{uuid.uuid4().hex[:8]}"
        kv = await js.create_key_value(bucket=bucket)
        assert await bucket_keys(js, bucket) == []  # nats-py's keys() raises here

        for key in ("kept", "deleted", "purged", "rewritten"):
            await kv.put(key, b"1")
        await kv.put("rewritten", b"2")
        await kv.delete("deleted")
        await kv.purge("purged")

        assert sorted(await bucket_keys(js, bucket)) == ["kept", "rewritten"]
    finally:
        await connection.close()
