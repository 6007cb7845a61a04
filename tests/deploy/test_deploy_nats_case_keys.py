"""deploy/nats: the case keys of aftercare (key-value bucket `ontour_case_keys`, stream
KV_ontour_case_keys) are for aftercare alone. On a REAL nats-server with deploy/nats/nats.conf
aftercare creates the bucket and uses it every way a client can (get, direct get, message get,
consumers, watch); every other user is refused each of those, and `ops` administers the bucket
without ever reading it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import nats
import nats.errors
import pytest
from aftercare.app import service as aftercare
from aftercare.keystore import CaseKeys
from deploy_support import NatsNode, connected, nats_passwords
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, KeyValueConfig, StorageType
from nats.js.kv import KeyValue
from ontour.messaging.streams import (
    CASE_KEY_BUCKET,
    SESSION_BUCKET,
    ensure_streams,
    inbox_prefix,
)
from ontour.settings import ServiceSettings
from ontour.testing.plugin import eventually

STREAM = f"KV_{CASE_KEY_BUCKET}"
KEY = "case-1"
KEY_SUBJECT = f"$KV.{CASE_KEY_BUCKET}.{KEY}"
# The durable consumer aftercare made; the others must not pull from it either.
AFTERCARE_DURABLE = "aftercare-keys"
# Everyone with a NATS user, except aftercare.
OTHERS = ("intake", "scheduling", "reporting", "frontdoor", "ops")


@pytest.fixture
def deploy_nats(tmp_path: Path) -> Iterator[NatsNode]:
    node = NatsNode(tmp_path / "nats", env=nats_passwords()).start()
    try:
        yield node
    finally:
        node.stop()


def refused(errors: list[Exception], subject: str) -> bool:
    return any(
        "permissions violation" in str(e).lower() and f'"{subject.lower()}"' in str(e).lower()
        for e in errors
    )


def bucket(js: JetStreamContext) -> KeyValue:
    """The bucket as nats-py builds it after a stream info (which may itself be refused)."""
    return KeyValue(
        name=CASE_KEY_BUCKET,
        stream=STREAM,
        pre=f"$KV.{CASE_KEY_BUCKET}.",
        js=js,
        direct=True,
    )


def consumer(name: str | None = None) -> bytes:
    config = {"ack_policy": "none", "deliver_policy": "all", "filter_subject": KEY_SUBJECT}
    if name:
        config["name"] = config["durable_name"] = name
    return json.dumps({"stream_name": STREAM, "config": config}).encode()


# Every way into the stream: (subject, payload). The API calls a client library makes for
# get, history, watch and consumers all go through these.
READS = [
    # KV get (nats-py and the CLI use direct get when the bucket allows it, as here).
    (f"$JS.API.DIRECT.GET.{STREAM}.{KEY_SUBJECT}", b""),
    (f"$JS.API.DIRECT.GET.{STREAM}", json.dumps({"last_by_subj": KEY_SUBJECT}).encode()),
    # KV get without direct get, and `nats stream get`.
    (f"$JS.API.STREAM.MSG.GET.{STREAM}", json.dumps({"last_by_subj": KEY_SUBJECT}).encode()),
    # Consumers: old-style ephemeral, named (with and without filter), durable (watch and
    # keys/history create an ordered ephemeral consumer the same way).
    (f"$JS.API.CONSUMER.CREATE.{STREAM}", consumer()),
    (f"$JS.API.CONSUMER.CREATE.{STREAM}.snoop", consumer("snoop")),
    (f"$JS.API.CONSUMER.CREATE.{STREAM}.snoop.{KEY_SUBJECT}", consumer("snoop")),
    (f"$JS.API.CONSUMER.DURABLE.CREATE.{STREAM}.snoop", consumer("snoop")),
    (f"$JS.API.CONSUMER.MSG.NEXT.{STREAM}.{AFTERCARE_DURABLE}", b'{"batch": 1}'),
    (f"$JS.API.CONSUMER.INFO.{STREAM}.{AFTERCARE_DURABLE}", b""),
    (f"$JS.API.CONSUMER.NAMES.{STREAM}", b""),
    # A copy of the whole stream.
    (f"$JS.API.STREAM.SNAPSHOT.{STREAM}", json.dumps({"deliver_subject": "_INBOX.x"}).encode()),
    # Overwriting or purging a key.
    (KEY_SUBJECT, b"forged"),
]
# What the services and the front door may not do either, though `ops` may: see that the
# bucket exists, and (for a mirror of the keys under another name) create streams.
SERVICE_ONLY = [
    (f"$JS.API.STREAM.INFO.{STREAM}", b""),
    (
        "$JS.API.STREAM.CREATE.SNOOP",
        json.dumps({"name": "SNOOP", "mirror": {"name": STREAM}, "storage": "memory"}).encode(),
    ),
]


async def aftercare_creates_the_bucket(node: NatsNode) -> None:
    async with connected(node.url("aftercare")) as (nc, errors):
        js = nc.jetstream()
        kv = await js.create_key_value(
            # Direct get on (as the nats CLI makes buckets), so that path is proven too.
            KeyValueConfig(bucket=CASE_KEY_BUCKET, history=1, storage=StorageType.FILE, direct=True)
        )
        await kv.put(KEY, b"wrapped-data-key")
        await js.add_consumer(
            STREAM, ConsumerConfig(durable_name=AFTERCARE_DURABLE, filter_subject=KEY_SUBJECT)
        )
        assert not errors


async def test_aftercare_uses_its_case_keys_every_way(deploy_nats: NatsNode) -> None:
    await aftercare_creates_the_bucket(deploy_nats)
    async with connected(deploy_nats.url("aftercare")) as (nc, errors):
        js = nc.jetstream(timeout=5)
        kv = await js.key_value(CASE_KEY_BUCKET)
        assert (await kv.get(KEY)).value == b"wrapped-data-key"
        for subject, payload in READS[:2]:  # both forms of direct get
            assert (await nc.request(subject, payload, timeout=5)).data == b"wrapped-data-key"
        assert (await js.get_msg(STREAM, seq=1)).data == b"wrapped-data-key"
        ephemeral = await js.add_consumer(STREAM, ConsumerConfig(filter_subject=KEY_SUBJECT))
        assert ephemeral.num_pending == 1
        durable = await js.pull_subscribe_bind(AFTERCARE_DURABLE, stream=STREAM)
        [message] = await durable.fetch(1, timeout=5)
        assert message.data == b"wrapped-data-key"
        watcher = await kv.watch(KEY)
        assert (await watcher.updates(timeout=5)).value == b"wrapped-data-key"
        await watcher.stop()
        # The real keystore: put, get, purge on erasure.
        keys = CaseKeys(kv)
        case = uuid.uuid4()
        await keys.put(case, b"another-wrapped-key")
        assert await keys.get(case) == b"another-wrapped-key"
        await keys.destroy(case)
        assert await keys.get(case) is None
        assert not errors


@pytest.mark.parametrize("user", OTHERS)
async def test_no_other_user_reads_or_writes_the_case_keys(
    deploy_nats: NatsNode, user: str
) -> None:
    await aftercare_creates_the_bucket(deploy_nats)
    attempts = READS + ([] if user == "ops" else SERVICE_ONLY)
    async with connected(deploy_nats.url(user)) as (nc, errors):
        js = nc.jetstream(timeout=1)  # a refused request gets no answer
        # What a client library does, refused: get, direct get, message get, consumers, watch.
        kv = bucket(js)
        calls = {
            "get": kv.get(KEY),
            "get_msg": js.get_msg(STREAM, seq=1),
            "ephemeral consumer": js.add_consumer(
                STREAM, ConsumerConfig(filter_subject=KEY_SUBJECT)
            ),
            "durable consumer": js.add_consumer(STREAM, ConsumerConfig(durable_name="snoop")),
            "watch": kv.watch(KEY),
            "put": kv.put(KEY, b"forged"),
        }
        if user != "ops":
            calls["key_value"] = js.key_value(CASE_KEY_BUCKET)
        # All at once: each waits out its own timeout, one after another took seconds each.
        outcomes = await asyncio.gather(*calls.values(), return_exceptions=True)
        answered = {
            call: outcome
            for call, outcome in zip(calls, outcomes, strict=True)
            if not isinstance(outcome, nats.errors.TimeoutError)
        }
        assert answered == {}

        # And every API subject on the stream, raw: the server refuses each one.
        inbox = nc.new_inbox()
        replies = await nc.subscribe(inbox)
        for subject, payload in attempts:
            await nc.publish(subject, payload, reply=inbox)
        await nc.flush()

        async def all_refused() -> bool:
            return all(refused(errors, subject) for subject, _ in attempts)

        with contextlib.suppress(AssertionError):
            await eventually(all_refused)
        missing = [subject for subject, _ in attempts if not refused(errors, subject)]
        assert not missing, f"{user} was not refused: {missing}"
        answers = []
        while True:
            try:
                answers.append(await replies.next_msg(timeout=0.3))
            except nats.errors.TimeoutError:
                break
        assert answers == []

    # The key is untouched, and no copy of the stream exists.
    async with connected(deploy_nats.url("aftercare")) as (nc, _):
        js = nc.jetstream()
        assert (await (await js.key_value(CASE_KEY_BUCKET)).get(KEY)).value == b"wrapped-data-key"
        names = {info.config.name for info in await js.streams_info()}
        assert "SNOOP" not in names


async def test_replies_to_aftercare_are_for_aftercare_only(deploy_nats: NatsNode) -> None:
    # Every user may subscribe to _INBOX.> (its own replies arrive there), so a reply to
    # aftercare must not: the service's broker and its CLI use inboxes of their own.
    await aftercare_creates_the_bucket(deploy_nats)
    private = inbox_prefix("aftercare")
    async with connected(deploy_nats.url("intake")) as (spy, errors):
        overheard = []

        async def overhear(msg: Msg) -> None:
            overheard.append(msg)

        await spy.subscribe("_INBOX.>", cb=overhear)
        await spy.subscribe(f"{private}.>", cb=overhear)
        await spy.flush()

        async def subscription_refused() -> bool:
            return refused(errors, f"{private}.>")

        await eventually(subscription_refused)

        broker = aftercare.build_broker(
            ServiceSettings(service_name="aftercare", nats_url=deploy_nats.url("aftercare"))
        )
        await broker.connect()
        try:
            assert broker.connection.new_inbox().startswith(f"{private}.")
            kv = await broker.connection.jetstream().key_value(CASE_KEY_BUCKET)
            assert (await kv.get(KEY)).value == b"wrapped-data-key"
            watcher = await kv.watch(KEY)
            assert (await watcher.updates(timeout=5)).value == b"wrapped-data-key"
            await watcher.stop()
        finally:
            await broker.stop()
        await spy.flush()
        assert overheard == []


async def test_ops_declares_the_bucket_and_the_services_start_without_it(
    deploy_nats: NatsNode,
) -> None:
    # `ontour streams ensure` (as ops) creates the bucket with its replicas, never reading it.
    async with connected(deploy_nats.url("ops")) as (nc, errors):
        await ensure_streams(nc.jetstream(), update=True)
        info = await nc.jetstream().stream_info(STREAM)
        assert info.config.subjects == [f"$KV.{CASE_KEY_BUCKET}.>"]
        assert not errors
    # A service's start-up leaves a bucket it does not own alone (no refused info call).
    for user in ("intake", "scheduling", "reporting", "frontdoor", "aftercare"):
        async with connected(deploy_nats.url(user)) as (nc, errors):
            js = nc.jetstream(timeout=2)
            await ensure_streams(js, update=False)
            await js.key_value(SESSION_BUCKET)
            assert not errors, (user, errors)
    assert "Violation" not in deploy_nats.log(), deploy_nats.log()[-2000:]
