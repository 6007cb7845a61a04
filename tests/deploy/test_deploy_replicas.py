"""Where several replicas of a part run behind Caddy, a stopping one leaves the rotation
before it closes its connections (ontour.web.drain; shared/tests/test_drain.py runs it):
Caddy asks each replica's /health/live every second, so it must know each replica by a name
of its own, and the replicas must keep serving for longer than a check takes to notice.

In compose's `cluster` profile the containers are `<project>-<service>-<n>`; with the
service's name alone Caddy saw one upstream for both replicas and could not take one out."""

from __future__ import annotations

import json

from deploy_support import CLUSTER_ENV, FRONTDOOR, SERVICES, compose_env, compose_model, compose_raw
from test_deploy_caddy_observability import caddy
from test_deploy_keep_alive import _reverse_proxies

PARTS = [FRONTDOOR, *SERVICES.items()]
CHECK_INTERVAL_SECONDS = 1.0  # health_interval in deploy/caddy/Caddyfile


def _caddy_environment(model: dict) -> dict[str, str]:
    return {k: str(v) for k, v in model["services"]["caddy"]["environment"].items()}


def _checked_upstreams(env: dict[str, str]) -> dict[str, tuple[str, float]]:
    """Per upstream Caddy dials: the URI of its active health check and its interval (s)."""
    result = caddy("adapt", env)
    assert result.returncode == 0, result.stderr
    [server] = json.loads(result.stdout)["apps"]["http"]["servers"].values()
    checked = {}
    for proxy in _reverse_proxies(server["routes"]):
        active = proxy.get("health_checks", {}).get("active")
        for upstream in proxy["upstreams"]:
            if active:
                checked[upstream["dial"]] = (active["uri"], active["interval"] / 1e9)
    return checked


def test_the_cluster_profile_names_every_replica_to_caddy_and_lets_them_drain() -> None:
    env = compose_env(CLUSTER_ENV)
    cluster = compose_model(env)
    project, replicas = compose_raw()["name"], int(env["ONTOUR_REPLICAS"])
    caddy_env = _caddy_environment(cluster)
    checked = _checked_upstreams(caddy_env)
    for name, port in PARTS:
        upstreams = caddy_env[f"{name.upper()}_UPSTREAM"].split()
        assert upstreams == [f"{project}-{name}-{n}:{port}" for n in range(1, replicas + 1)]
        path = "/health/live" if name == "frontdoor" else f"/{name}/health/live"
        for upstream in upstreams:
            assert checked[upstream] == (path, CHECK_INTERVAL_SECONDS), upstream
        drain = float(cluster["services"][name]["environment"]["ONTOUR_SHUTDOWN_DRAIN_SECONDS"])
        # Long enough for a check to come by and be answered, with room on a busy host.
        assert drain >= 2 * CHECK_INTERVAL_SECONDS, name


def test_a_single_instance_is_named_by_its_service_and_stops_at_once() -> None:
    single = compose_model(compose_env())
    caddy_env = _caddy_environment(single)
    for name, port in PARTS:
        assert caddy_env[f"{name.upper()}_UPSTREAM"] == f"{name}:{port}"
        assert single["services"][name]["environment"]["ONTOUR_SHUTDOWN_DRAIN_SECONDS"] in (0, "0")
