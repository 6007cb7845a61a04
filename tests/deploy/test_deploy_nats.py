"""deploy/nats: the configuration is valid, every password comes from the environment, and
a REAL nats-server started with it enforces the permissions: each service publishes only
on its own subjects, JetStream works for it, stream administration is left to `ops`, and
the services and the front door run unchanged with their own users."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import nats.errors
import pytest
from deploy_support import (
    NATS_DIR,
    NATS_USERS,
    SERVICES,
    NatsNode,
    connected,
    nats_passwords,
    password_variable,
    run,
)
from intake.app import service as intake
from nats.js.api import StreamConfig
from nats_cluster_support import CLUSTER_NODES, NatsCluster, cluster_env
from ontour.devstack.servers import venv_bin
from ontour.messaging.deadletters import list_dead_letters, redrive
from ontour.messaging.streams import (
    AUDIT_ANCHOR_PREFIX,
    AUDIT_ANCHOR_STREAM,
    DEAD_LETTER_PREFIX,
    DEAD_LETTER_STREAM,
    PRODUCING_SERVICES,
    SESSION_BUCKET,
    STREAMS,
    ensure_streams,
    stream_for,
)
from ontour.testing.plugin import eventually, running_service, scalar
from reporting.app import service as reporting


@pytest.fixture
def nats_env() -> dict[str, str]:
    """Random passwords for every NATS user, as compose passes them from .env."""
    return nats_passwords()


@pytest.fixture
def deploy_nats(tmp_path: Path, nats_env: dict[str, str]) -> Iterator[NatsNode]:
    """nats-server with deploy/nats/nats.conf (free ports, store in tmp_path)."""
    node = NatsNode(tmp_path / "nats", env=nats_env).start()
    try:
        yield node
    finally:
        node.stop()


def check_config(config: Path, env: dict[str, str]) -> Any:
    return run([venv_bin("nats-server"), "-t", "-c", str(config)], env=env, inherit_env=False)


async def violation(errors: list[Exception], subject: str) -> bool:
    async def seen() -> bool:
        return any(
            "permissions violation" in str(e).lower() and subject.lower() in str(e).lower()
            for e in errors
        )

    await eventually(seen)
    return True


async def declare_streams(node: NatsNode, replicas: int = 1) -> None:
    async with connected(node.url("ops")) as (nc, _):
        await ensure_streams(nc.jetstream(), update=True, replicas=replicas)


# --- The configuration files ----------------------------------------------------------------


def test_nats_configurations_are_valid(nats_env: dict[str, str]) -> None:
    result = check_config(NATS_DIR / "nats.conf", nats_env)
    assert result.returncode == 0, result.stderr
    ports = {node: 6222 + i for i, node in enumerate(CLUSTER_NODES)}
    result = check_config(NATS_DIR / "nats-cluster.conf", cluster_env(nats_env, "nats-1", ports))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("user", NATS_USERS)
def test_every_password_comes_from_the_environment(nats_env: dict[str, str], user: str) -> None:
    variable = password_variable(user)
    env = {k: v for k, v in nats_env.items() if k != variable}
    result = check_config(NATS_DIR / "nats.conf", env)
    assert result.returncode != 0
    assert variable in result.stdout + result.stderr


def test_jetstream_is_durable_in_every_configuration() -> None:
    # One place for the JetStream settings, which `make up` includes too (test_supervisor).
    settings = (NATS_DIR / "jetstream.conf").read_text(encoding="utf-8")
    assert "\nsync_interval: always\n" in settings
    for config in ("nats.conf", "nats-cluster.conf"):
        text = (NATS_DIR / config).read_text(encoding="utf-8")
        jetstream = text[text.index("jetstream {") :]
        jetstream = jetstream[: jetstream.index("}")]
        assert "store_dir: /data" in jetstream, config
        assert "include ./jetstream.conf" in jetstream, config
        assert "sync_interval" not in text, config
        assert "include ./auth.conf" in text, config
    auth = (NATS_DIR / "auth.conf").read_text(encoding="utf-8")
    assert f'"$KV.{SESSION_BUCKET}.>"' in auth


# --- A real server with deploy/nats/nats.conf ----------------------------------------------


async def test_ops_declares_the_streams(deploy_nats: NatsNode) -> None:
    # The server took its JetStream settings from the included jetstream.conf.
    varz = httpx.get(f"http://127.0.0.1:{deploy_nats.monitor_port}/varz").json()
    assert varz["jetstream"]["config"]["sync_always"] is True
    await declare_streams(deploy_nats)
    async with connected(deploy_nats.url("ops")) as (nc, errors):
        js = nc.jetstream()
        names = {info.config.name for info in await js.streams_info()}
        assert {spec.name for spec in STREAMS} <= names
        await js.key_value(SESSION_BUCKET)
        assert not errors


@pytest.mark.parametrize("service", list(SERVICES))
async def test_a_service_publishes_only_on_its_own_subjects(
    deploy_nats: NatsNode, service: str
) -> None:
    await declare_streams(deploy_nats)
    async with connected(deploy_nats.url(service)) as (nc, errors):
        js = nc.jetstream()
        if service in PRODUCING_SERVICES:
            ack = await js.publish(f"ontour.{service}.test-event.v1", b"{}", timeout=5)
            assert ack.stream == stream_for(service)
        else:
            await nc.publish(f"ontour.{service}.anything", b"{}")
            await nc.flush()
        ack = await js.publish(f"{DEAD_LETTER_PREFIX}.{service}.some-consumer", b"{}", timeout=5)
        assert ack.stream == DEAD_LETTER_STREAM
        # The head of its own audit chain (ontour.audit).
        ack = await js.publish(f"{AUDIT_ANCHOR_PREFIX}.{service}", b"{}", timeout=5)
        assert ack.stream == AUDIT_ANCHOR_STREAM
        # Shared browser sessions (key-value bucket).
        kv = await js.key_value(SESSION_BUCKET)
        await kv.put(f"test-{service}", b"session")
        assert (await kv.get(f"test-{service}")).value == b"session"
        await kv.purge(f"test-{service}")
        assert not errors

        others = [other for other in SERVICES if other != service]
        for other in others:
            subject = f"ontour.{other}.x"
            await nc.publish(subject, b"{}")
            await nc.flush()
            assert await violation(errors, subject)
        # Another's dead letters and audit chain, all at once: each waits out its own timeout.
        refused = [f"{DEAD_LETTER_PREFIX}.{other}.x" for other in others]
        refused += [f"{AUDIT_ANCHOR_PREFIX}.{other}" for other in others]
        outcomes = await asyncio.gather(
            *(js.publish(subject, b"{}", timeout=0.5) for subject in refused),
            return_exceptions=True,
        )
        assert all(isinstance(outcome, nats.errors.TimeoutError) for outcome in outcomes)
        for subject in refused:
            assert await violation(errors, subject)


async def test_the_intake_user_is_refused_on_aftercare(deploy_nats: NatsNode) -> None:
    # The case from the operations brief, spelled out.
    await declare_streams(deploy_nats)
    async with connected(deploy_nats.url("intake")) as (nc, errors):
        ack = await nc.jetstream().publish("ontour.intake.x", b"{}", timeout=5)
        assert ack.stream == "ONTOUR_INTAKE"
        await nc.publish("ontour.aftercare.x", b"{}")
        await nc.flush()
        assert await violation(errors, "ontour.aftercare.x")
        assert isinstance(errors[0], nats.errors.Error)
        assert 'permissions violation for publish to "ontour.aftercare.x"' in str(errors[0])


async def test_services_cannot_administer_streams(deploy_nats: NatsNode) -> None:
    await declare_streams(deploy_nats)
    async with connected(deploy_nats.url("intake")) as (nc, errors):
        js = nc.jetstream(timeout=1)  # a refused request gets no answer
        await js.publish("ontour.intake.x", b"{}", timeout=5)
        # All at once: each waits out its own timeout.
        outcomes = await asyncio.gather(
            js.delete_stream("ONTOUR_INTAKE"),
            js.purge_stream("ONTOUR_INTAKE"),
            # nats-py's delete_msg ignores the context's timeout (always 5 s): bound it here.
            asyncio.wait_for(js.delete_msg("ONTOUR_INTAKE", 1), timeout=1),
            js.update_stream(StreamConfig(name="ONTOUR_INTAKE", subjects=["ontour.intake.>"])),
            return_exceptions=True,
        )
        assert all(isinstance(outcome, asyncio.TimeoutError) for outcome in outcomes)
        assert await violation(errors, "$JS.API.STREAM.DELETE.ONTOUR_INTAKE")
        assert await violation(errors, "$JS.API.STREAM.PURGE.ONTOUR_INTAKE")
    async with connected(deploy_nats.url("ops")) as (nc, _):
        info = await nc.jetstream().stream_info("ONTOUR_INTAKE")
        assert info.state.messages == 1


async def test_services_subscribe_only_on_their_inbox(deploy_nats: NatsNode) -> None:
    async with connected(deploy_nats.url("reporting")) as (nc, errors):
        await nc.subscribe("ontour.>")
        await nc.flush()
        assert await violation(errors, "ontour.>")


async def test_the_front_door_only_touches_sessions(deploy_nats: NatsNode) -> None:
    await declare_streams(deploy_nats)
    async with connected(deploy_nats.url("frontdoor")) as (nc, errors):
        kv = await nc.jetstream().key_value(SESSION_BUCKET)
        await kv.put("frontdoor-test", b"session")
        assert not errors
        await nc.publish("ontour.intake.x", b"{}")
        await nc.flush()
        assert await violation(errors, "ontour.intake.x")


async def test_unknown_users_and_wrong_passwords_are_refused(deploy_nats: NatsNode) -> None:
    for url in (
        deploy_nats.url(),
        deploy_nats.url().replace("nats://", "nats://intake:wrong@"),
        deploy_nats.url().replace("nats://", "nats://nobody:x@"),
    ):
        with pytest.raises(nats.errors.Error, match="Authorization Violation"):
            await nats.connect(
                url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2
            )


async def test_ops_redrives_a_dead_letter(deploy_nats: NatsNode) -> None:
    await declare_streams(deploy_nats)
    async with connected(deploy_nats.url("reporting")) as (nc, _):
        await nc.jetstream().publish(
            f"{DEAD_LETTER_PREFIX}.reporting.tour",
            b'{"broken": true}',
            timeout=5,
            headers={
                "Ontour-Consumer": "reporting-tour",
                "Ontour-Reason": "test",
                "Ontour-Original-Subject": "ontour.intake.voorgesprek-gehouden.v1",
            },
        )
    async with connected(deploy_nats.url("ops")) as (nc, errors):
        js = nc.jetstream()
        [letter] = await list_dead_letters(js)
        await redrive(js, letter.sequence)
        assert await list_dead_letters(js) == []
        assert (await js.stream_info("ONTOUR_INTAKE")).state.messages == 1
        assert not errors


async def test_the_services_run_with_their_own_users(
    deploy_nats: NatsNode, database_url, idp_url, bearer
) -> None:
    # The walking skeleton, but every service connects as its own NATS user: the
    # permissions cover what the real code does (streams, consumers, outbox, sessions).
    await declare_streams(deploy_nats)
    async with (
        running_service(
            intake,
            nats_url=deploy_nats.url("intake"),
            idp_url=idp_url,
            headers=bearer("coordinator"),
            database_url=database_url("intake"),
        ) as api,
        running_service(
            reporting,
            nats_url=deploy_nats.url("reporting"),
            idp_url=idp_url,
            headers=bearer("coordinator"),
            database_url=database_url("reporting"),
        ) as stats,
    ):
        for client, name in ((api, "intake"), (stats, "reporting")):
            ready = await client.get(f"/{name}/health/ready")
            assert ready.status_code == 200, ready.text
        created = await api.post(
            "/intake/api/v1/voorgesprekken",
            json={"organisation_code": "GM0014", "held_on": "2025-03-01", "mode": "fysiek"},
        )
        assert created.status_code == 201, created.text

        async def counted() -> bool:
            sql = "SELECT count(*) FROM rm_voorgesprek WHERE status = 'gehouden'"
            return await scalar(stats, sql) == 1

        await eventually(counted)
    assert "Violation" not in deploy_nats.log(), deploy_nats.log()[-2000:]


async def test_the_front_door_runs_with_its_own_user(deploy_nats: NatsNode, idp_url) -> None:
    import httpx
    from ontour.frontdoor import FrontDoorSettings
    from ontour.frontdoor import create_app as create_frontdoor

    await declare_streams(deploy_nats)
    frontdoor = create_frontdoor(
        FrontDoorSettings(
            nats_url=deploy_nats.url("frontdoor"), oidc_issuer=idp_url, environment="test"
        )
    )
    async with frontdoor.router.lifespan_context(frontdoor):
        transport = httpx.ASGITransport(app=frontdoor)
        async with httpx.AsyncClient(transport=transport, base_url="http://ontour.test") as c:
            assert (await c.get("/health/ready")).status_code == 200
    assert "Violation" not in deploy_nats.log(), deploy_nats.log()[-2000:]


# --- Three servers with deploy/nats/nats-cluster.conf (compose profile `cluster`) -------------


async def test_the_cluster_configuration_forms_a_jetstream_cluster(
    tmp_path: Path, nats_env: dict[str, str]
) -> None:
    # Routes on loopback instead of the compose host names; the rest is the file as is.
    cluster = NatsCluster(tmp_path, nats_env).start()
    nodes = list(cluster.nodes.values())
    try:
        await cluster.declare_streams(replicas=3)
        async with connected(nodes[1].url("ops")) as (nc, _):
            info = await nc.jetstream().stream_info("ONTOUR_INTAKE")
            assert info.config.num_replicas == 3
            assert info.cluster is not None and len(info.cluster.replicas or []) == 2
        # The permissions hold in the cluster too, whichever server a client reaches.
        async with connected(nodes[2].url("intake")) as (nc, errors):
            ack = await nc.jetstream().publish("ontour.intake.x", b"{}", timeout=5)
            assert ack.stream == "ONTOUR_INTAKE"
            await nc.publish("ontour.aftercare.x", b"{}")
            await nc.flush()
            assert await violation(errors, "ontour.aftercare.x")
    finally:
        cluster.stop()
