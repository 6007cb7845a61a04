"""compose.yaml: valid against the Compose Specification, secrets required, health-ordered,
and in step with the backbone (services, ports, users, streams job, cluster profile)."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
from importlib import resources
from importlib.metadata import entry_points
from typing import Any

import jsonschema
import pytest
from deploy_support import (
    CLUSTER_ENV,
    DEPLOY,
    ENV_EXAMPLE,
    FRONTDOOR,
    METRICS,
    NATS_DIR,
    REPO,
    REQUIRED_SETTINGS,
    SECRET_NAME,
    SERVICES,
    InterpolationError,
    compose_env,
    compose_model,
    compose_raw,
    docker_compose,
    documented_variables,
    read_env_file,
    run,
    secret_variables,
    variables_in,
    write_env_file,
)
from ontour.messaging.connection import NatsServers
from pydantic import SecretStr

# Long-running containers without a healthcheck, and why.
NO_HEALTHCHECK = {
    "otel-collector": "distroless image: no shell or HTTP client to probe with; nothing "
    "waits for it (the services' OTLP exporters retry)",
}
ONE_SHOT_JOBS = {"streams"}


def compose_schema_validator() -> jsonschema.protocols.Validator:
    # The Compose Specification schema as shipped by check-jsonschema (a dev dependency).
    text = (
        resources.files("check_jsonschema.builtin_schemas.vendor")
        .joinpath("compose-spec.json")
        .read_text(encoding="utf-8")
    )
    schema = json.loads(text)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def assert_valid(document: dict[str, Any]) -> None:
    errors = sorted(compose_schema_validator().iter_errors(document), key=str)
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:20]
    )


def compose_values() -> str:
    """Every string value of compose.yaml (what compose interpolates; comments are not)."""

    def walk(value: Any) -> list[str]:
        if isinstance(value, str):
            return [value]
        if isinstance(value, dict):
            return [s for item in value.values() for s in walk(item)]
        if isinstance(value, list):
            return [s for item in value for s in walk(item)]
        return []

    return "\n".join(walk(compose_raw()))


def long_running(model: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in model["services"].items()
        if name not in ONE_SHOT_JOBS and "tools" not in service.get("profiles", [])
    }


@pytest.fixture(scope="module")
def single() -> dict[str, Any]:
    return compose_model(compose_env())


@pytest.fixture(scope="module")
def cluster() -> dict[str, Any]:
    return compose_model(compose_env(CLUSTER_ENV))


def test_compose_file_validates_against_the_compose_specification() -> None:
    # As written (variables in place) and as compose reads it (one server and cluster).
    assert_valid(compose_raw())
    assert_valid(compose_model(compose_env()))
    assert_valid(compose_model(compose_env(CLUSTER_ENV)))


@pytest.mark.parametrize("cluster_profile", [False, True], ids=["single", "cluster"])
def test_docker_compose_accepts_the_project(tmp_path, cluster_profile: bool) -> None:
    # The real Compose CLI parses, interpolates and validates the project (no engine needed),
    # and its model agrees with the one the other tests inspect.
    env = compose_env(CLUSTER_ENV) if cluster_profile else compose_env()
    env_file = write_env_file(tmp_path / ".env", env)
    result = docker_compose("config", "--format", "json", env_files=[env_file])
    assert result.returncode == 0, result.stderr
    model = json.loads(result.stdout)
    ours = compose_model(env)
    assert set(model["services"]) == set(ours["services"])
    for name in SERVICES:
        assert model["services"][name]["environment"] == ours["services"][name]["environment"]
        assert model["services"][name]["deploy"]["replicas"] == (2 if cluster_profile else 1)
    assert model["services"]["streams"]["command"] == ours["services"]["streams"]["command"]
    # The upstreams Caddy balances over (several names in one value in the cluster profile).
    assert model["services"]["caddy"]["environment"] == ours["services"]["caddy"]["environment"]


def test_docker_compose_refuses_the_example_without_secrets() -> None:
    result = docker_compose("config", "--quiet", env_files=[ENV_EXAMPLE])
    assert result.returncode != 0
    for secret in secret_variables():
        assert f"required variable {secret} is missing" in result.stderr, secret


def test_the_schema_check_catches_mistakes() -> None:
    broken = compose_raw()
    broken["services"]["intake"]["depends_on"]["nats"]["condition"] = "service_ready"
    with pytest.raises(AssertionError, match="depends_on"):
        assert_valid(broken)


def test_every_secret_is_required_and_never_defaulted() -> None:
    text = compose_values()
    referenced = {name for name, _, _ in variables_in(text)}
    secrets_used = {name for name in referenced if SECRET_NAME.search(name)}
    assert secrets_used == set(secret_variables()), "compose and .env.example disagree"
    for name, op, _ in variables_in(text):
        if SECRET_NAME.search(name):
            assert op == ":?", f"${{{name}}} must be written ${{{name}:?...}} everywhere"
    # No secret is written into compose.yaml itself.
    for service_name, service in compose_raw()["services"].items():
        environment = service.get("environment", {})
        assert isinstance(environment, dict), f"{service_name}: use a mapping"
        for key, value in environment.items():
            if SECRET_NAME.search(key):
                assert "${" in str(value), f"{service_name}.{key} is a literal secret"


@pytest.mark.parametrize("secret", secret_variables())
def test_compose_refuses_to_start_without_each_secret(secret: str) -> None:
    env = compose_env()
    env[secret] = ""
    with pytest.raises(InterpolationError, match=secret):
        compose_model(env)


def test_env_example_documents_every_variable_and_leaves_secrets_empty() -> None:
    text = compose_values()
    documented = documented_variables(ENV_EXAMPLE)
    missing = {name for name, _, _ in variables_in(text)} - documented
    assert not missing, f"not documented in .env.example: {sorted(missing)}"
    for name, value in read_env_file(ENV_EXAMPLE).items():
        if SECRET_NAME.search(name):
            assert value == "", f".env.example must not carry a value for {name}"
    assert set(read_env_file(CLUSTER_ENV)) <= documented | {"COMPOSE_PROFILES"}


def test_new_env_fills_every_secret_once(tmp_path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(ENV_EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    run(["sh", str(DEPLOY / "compose" / "new-env.sh"), str(env_file)], check=True)
    filled = read_env_file(env_file)
    for name in secret_variables():
        if name.endswith("MASTER_KEYS"):  # a key for personal data at rest: 32 bytes, base64
            assert len(base64.urlsafe_b64decode(filled[name])) == 32, name
        else:
            assert re.fullmatch(r"[0-9a-f]{64}", filled[name]), name
    assert len({filled[name] for name in secret_variables()}) == len(secret_variables())
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    run(["sh", str(DEPLOY / "compose" / "new-env.sh"), str(env_file)], check=True)
    assert read_env_file(env_file) == filled, "a second run must keep existing secrets"
    compose_model({**filled, **REQUIRED_SETTINGS})  # every required variable is there
    # The demo users' first password meets the realm's password policy (length(12)).
    assert len(filled["ONTOUR_DEMO_PASSWORD"]) >= 12


def test_long_running_services_have_healthchecks(single, cluster) -> None:
    for model in (single, cluster):
        for name, service in long_running(model).items():
            check = service.get("healthcheck", {})
            if name in NO_HEALTHCHECK:
                assert not check, f"{name}: remove it from NO_HEALTHCHECK"
                continue
            assert check.get("test") and not check.get("disable"), f"{name}: no healthcheck"
            assert check["test"][0] in ("CMD", "CMD-SHELL"), name


def test_start_order_follows_health(single, cluster) -> None:
    for model in (single, cluster):
        services = model["services"]
        for name, service in services.items():
            for target, condition in service.get("depends_on", {}).items():
                assert isinstance(condition, dict) and "condition" in condition, (
                    f"{name} -> {target}: use the long form with a condition"
                )
                if target not in services:
                    assert condition.get("required") is False, f"{name} -> {target}"
                    continue
                expected = (
                    "service_completed_successfully"
                    if target in ONE_SHOT_JOBS
                    else "service_started"
                    if target in NO_HEALTHCHECK
                    else "service_healthy"
                )
                assert condition["condition"] == expected, f"{name} -> {target}"
        for name in SERVICES:
            assert set(services[name]["depends_on"]) >= {"postgres", "nats", "streams"}
        assert set(services["frontdoor"]["depends_on"]) == {"nats", "streams", "keycloak"}
        assert set(services["caddy"]["depends_on"]) == {*SERVICES, "frontdoor", "keycloak"}
        assert set(services["keycloak"]["depends_on"]) == {"postgres"}
        assert services["streams"]["restart"] == "no"


def test_the_services_match_the_backbone(single) -> None:
    services = single["services"]
    built = {name for name, s in services.items() if "build" in s}
    assert built == set(SERVICES)
    caddy_env = services["caddy"]["environment"]
    for name, port in SERVICES.items():
        service = services[name]
        env = service["environment"]
        assert service["build"]["args"] == {"SERVICE": name}
        assert service["build"]["dockerfile"] == "deploy/docker/Dockerfile"
        assert service["image"].endswith(f"/{name}:dev")
        assert env["ONTOUR_HTTP_PORT"] == str(port)
        # The metrics port is on the compose network only: exposed, never published.
        assert env["ONTOUR_METRICS_PORT"] == str(METRICS[name])
        assert service["expose"] == [str(port), str(METRICS[name])]
        assert "ports" not in service
        assert env["ONTOUR_ENVIRONMENT"] == "production"
        assert re.fullmatch(
            rf"postgresql\+asyncpg://{name}:[0-9a-f]+@postgres:5432/{name}",
            env["ONTOUR_DATABASE_URL"],
        )
        assert re.fullmatch(rf"nats://{name}:[0-9a-f]+@nats:4222", env["ONTOUR_NATS_URL"])
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
        assert caddy_env[f"{name.upper()}_UPSTREAM"] == f"{name}:{port}"
        assert service["healthcheck"]["test"] == ["CMD", "python", "/app/healthcheck.py", "ready"]
        # Hardening: read-only root, /tmp in memory, no capabilities, non-root, and time
        # for the broker's 15 s graceful shutdown.
        assert service["read_only"] is True
        assert "/tmp" in service["tmpfs"]
        assert service["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in service["security_opt"]
        assert service["user"] == "10001:10001"
        assert service["stop_grace_period"] == "30s"
    assert caddy_env["ONTOUR_BIND"] == "0.0.0.0"
    name, port = FRONTDOOR
    frontdoor = services[name]
    assert caddy_env["FRONTDOOR_UPSTREAM"] == f"{name}:{port}"
    assert frontdoor["image"] == services["intake"]["image"]
    assert frontdoor["environment"]["ONTOUR_APP"] == "ontour.frontdoor:create_app"
    assert frontdoor["environment"]["ONTOUR_HTTP_PORT"] == str(port)
    assert frontdoor["environment"]["ONTOUR_HEALTH_PREFIX"] == ""
    assert re.fullmatch(
        r"nats://frontdoor:[0-9a-f]+@nats:4222", frontdoor["environment"]["ONTOUR_NATS_URL"]
    )
    assert "ONTOUR_DATABASE_URL" not in frontdoor["environment"]


def test_caddy_gets_every_upstream_the_caddyfile_names(single) -> None:
    # The Caddyfile is shared with `make up`; compose must set each upstream it proxies to.
    caddyfile = (DEPLOY / "caddy" / "Caddyfile").read_text(encoding="utf-8")
    placeholders = set(re.findall(r"\{\$([A-Z0-9_]+)(?::[^}]*)?\}", caddyfile))
    upstreams = {p for p in placeholders if p.endswith("_UPSTREAM")}
    assert upstreams >= {f"{name.upper()}_UPSTREAM" for name in SERVICES}
    caddy_env = single["services"]["caddy"]["environment"]
    assert upstreams <= set(caddy_env), f"not set for Caddy: {upstreams - set(caddy_env)}"
    for variable in upstreams:
        host = caddy_env[variable].split(":")[0]
        assert host in single["services"], f"{variable} points at no compose service"
    assert {"ONTOUR_HTTP_PORT", "ONTOUR_BIND"} <= set(caddy_env)


def test_streams_job_declares_the_streams_as_ops(single, cluster) -> None:
    for model, replicas in ((single, "1"), (cluster, "3")):
        job = model["services"]["streams"]
        assert job["command"] == ["ontour", "streams", "ensure", "--replicas", replicas]
        url = job["environment"]["ONTOUR_NATS_URL"]
        assert re.fullmatch(r"nats://ops:[0-9a-f]+@nats:4222", url.split(",")[0])
        assert job["image"] == model["services"]["intake"]["image"]


def test_bind_mounts_exist() -> None:
    for name, service in compose_model(compose_env(CLUSTER_ENV))["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./") and "backup" not in source:
                assert (REPO / source).exists(), f"{name}: {source} does not exist"
    postgres = compose_raw()["services"]["postgres"]
    init = [v for v in postgres["volumes"] if "docker-entrypoint-initdb.d" in v]
    assert init == ["./deploy/postgres/init:/docker-entrypoint-initdb.d:ro"]
    # PostgreSQL 18 images keep their data below /var/lib/postgresql (not .../data).
    assert "postgres-data:/var/lib/postgresql" in postgres["volumes"]


def test_cluster_profile_runs_three_nats_servers_and_two_instances(single, cluster) -> None:
    assert {"nats-2", "nats-3"}.isdisjoint(single["services"])
    nodes = {name: cluster["services"][name] for name in ("nats", "nats-2", "nats-3")}
    assert {n["environment"]["NATS_SERVER_NAME"] for n in nodes.values()} == {
        "nats-1",
        "nats-2",
        "nats-3",
    }
    for node in nodes.values():
        assert node["command"][-1] == "/etc/nats/nats-cluster.conf"
        # Every server answers to "nats", the name in the services' URLs.
        names = {node.get("hostname")} | set(
            node.get("networks", {}).get("default", {}).get("aliases", [])
        )
        assert names & {"nats"} or node is nodes["nats"]
    # The routes of nats-cluster.conf point at the three servers by these names.
    hostnames = {n["hostname"] for n in nodes.values()}
    routes = [nodes["nats"]["environment"][f"NATS_ROUTE_{i}"] for i in (1, 2, 3)]
    assert {re.search(r"@([^:]+):6222$", r).group(1) for r in routes} == hostnames
    assert (
        "$NATS_ROUTE_1, $NATS_ROUTE_2, $NATS_ROUTE_3"
        in (NATS_DIR / "nats-cluster.conf").read_text()
    )
    for name in SERVICES:
        assert str(cluster["services"][name]["deploy"]["replicas"]) == "2"
        assert str(single["services"][name]["deploy"]["replicas"]) == "1"
    # Every client of the cluster is given all three servers, with its own credentials.
    for name in [*SERVICES, FRONTDOOR[0], "streams"]:
        url = cluster["services"][name]["environment"]["ONTOUR_NATS_URL"]
        servers = NatsServers.parse(url)
        assert servers.urls == ["nats://nats:4222", "nats://nats-2:4222", "nats://nats-3:4222"]
        expected_user = "ops" if name == "streams" else name
        assert servers.user == expected_user and servers.password, name
    assert single["services"]["nats"]["command"][-1] == "/etc/nats/nats.conf"


def test_compose_gives_every_process_a_valid_production_configuration(
    single, monkeypatch, tmp_path
) -> None:
    # The settings classes themselves judge compose's environment: production refuses a
    # placeholder secret, so a secret setting compose forgets fails here.
    from ontour.frontdoor import FrontDoorSettings

    factories = {
        ep.name: ep.load().settings_factory for ep in entry_points(group="ontour.services")
    }
    factories["frontdoor"] = FrontDoorSettings
    assert set(factories) == {*SERVICES, "frontdoor"}
    monkeypatch.chdir(tmp_path)  # no .env file of a developer in the way
    for name, factory in factories.items():
        for key in list(os.environ):
            if key.startswith("ONTOUR_"):
                monkeypatch.delenv(key)
        environment = single["services"][name]["environment"]
        for key, value in environment.items():
            monkeypatch.setenv(key, str(value))
        settings = factory()
        assert settings.environment == "production", name
        assert settings.http_port == int(environment["ONTOUR_HTTP_PORT"]), name
        if name in METRICS:
            assert settings.metrics_listen_port == METRICS[name], name
        assert settings.nats_url == environment["ONTOUR_NATS_URL"], name
        # The stack's own Keycloak: its public URL plus the realm (what `iss` says).
        keycloak_url = single["services"]["keycloak"]["environment"]["KC_HOSTNAME"]
        assert settings.oidc_issuer == f"{keycloak_url}/realms/ontour", name
        assert settings.oidc_roles_claim == "realm_access.roles", name
        # The front door keeps no personal data and no audit trail: no keys of its own.
        unused = {"master_keys", "audit_key"} if name == "frontdoor" else set()
        for field, value in settings:
            if isinstance(value, SecretStr) and field not in unused:
                assert value.get_secret_value() == environment[f"ONTOUR_{field.upper()}"]
