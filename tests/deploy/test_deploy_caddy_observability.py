"""Caddy accepts the shared Caddyfile with compose's environment (and with `make up`'s
defaults); Prometheus scrapes every service; the Grafana dashboard shows the pipeline's
metrics as the code defines them; the collector forwards the services' traces."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from deploy_support import DEPLOY, METRICS, SERVICES, compose_env, compose_model, load_yaml, run
from ontour.devstack.servers import venv_bin
from ontour.observability import metrics

OBSERVABILITY = DEPLOY / "observability"
DASHBOARD = OBSERVABILITY / "grafana" / "dashboards" / "ontour-pipeline.json"
PIPELINE_METRICS = {
    "ontour_events_published_total",
    "ontour_events_consumed_total",
    "ontour_outbox_unsent",
    "ontour_outbox_oldest_unsent_seconds",
    "ontour_consumer_pending",
    "ontour_events_dead_lettered_total",
    "ontour_http_requests_total",
}


@pytest.fixture(scope="module")
def single() -> dict[str, Any]:
    return compose_model(compose_env())


def caddy(command: str, env: dict[str, str]) -> Any:
    """`caddy validate` / `caddy adapt` of the shared Caddyfile with only ``env`` set."""
    return run(
        [
            venv_bin("caddy"),
            command,
            "--config",
            str(DEPLOY / "caddy" / "Caddyfile"),
            "--adapter",
            "caddyfile",
        ],
        env=env,
        inherit_env=False,
    )


def test_caddy_accepts_the_caddyfile_with_the_compose_environment(single) -> None:
    env = {k: str(v) for k, v in single["services"]["caddy"]["environment"].items()}
    result = caddy("validate", env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_caddy_accepts_the_caddyfile_with_its_defaults() -> None:
    result = caddy("validate", {})
    assert result.returncode == 0, result.stdout + result.stderr


def test_caddy_refuses_metrics_and_keycloak_admin_before_anything_sees_them() -> None:
    # Defence in depth: the services serve no /<service>/metrics, and Caddy refuses it too;
    # Keycloak's administration console (/idp/admin) is for the internal network only.
    # Caddy sorts its `handle` blocks; the refusal must come out first.
    result = caddy("adapt", {})
    assert result.returncode == 0, result.stderr
    [server] = json.loads(result.stdout)["apps"]["http"]["servers"].values()
    handles = [route for route in server["routes"] if route["handle"][0]["handler"] == "subroute"]
    refusal = handles[0]
    assert refusal["match"] == [
        {"path": ["/metrics", "/*/metrics", "/*/metrics/*", "/idp/admin", "/idp/admin/*"]}
    ]
    [response] = refusal["handle"][0]["routes"][0]["handle"]
    assert response == {"handler": "static_response", "status_code": 404}


def test_prometheus_scrapes_every_instance_of_every_service() -> None:
    config = load_yaml(OBSERVABILITY / "prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for name, port in METRICS.items():
        job = jobs[name]
        # The internal metrics port, not the one Caddy proxies to.
        assert job["metrics_path"] == "/metrics"
        assert port != SERVICES[name]
        # DNS service discovery: each replica is a target of its own.
        [discovery] = job["dns_sd_configs"]
        assert discovery == {"names": [name], "type": "A", "port": port, "refresh_interval": "30s"}


def test_services_send_traces_to_the_collector_which_forwards_them_to_jaeger(single) -> None:
    collector = load_yaml(OBSERVABILITY / "otel-collector.yaml")
    protocols = collector["receivers"]["otlp"]["protocols"]
    assert protocols["http"]["endpoint"] == "0.0.0.0:4318"
    assert protocols["grpc"]["endpoint"] == "0.0.0.0:4317"
    pipeline = collector["service"]["pipelines"]["traces"]
    assert pipeline["receivers"] == ["otlp"]
    [exporter] = pipeline["exporters"]
    assert collector["exporters"][exporter]["endpoint"] == "jaeger:4317"
    assert single["services"]["jaeger"]["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"
    for name in SERVICES:
        env = single["services"][name]["environment"]
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
    mounts = single["services"]["otel-collector"]["volumes"]
    assert any(m.startswith("./deploy/observability/otel-collector.yaml:") for m in mounts)


def test_grafana_provisions_the_datasources_the_dashboard_uses(single) -> None:
    datasources = load_yaml(
        OBSERVABILITY / "grafana" / "provisioning" / "datasources" / "datasources.yaml"
    )["datasources"]
    uids = {d["uid"]: d for d in datasources}
    assert uids["ontour-prometheus"]["url"] == "http://prometheus:9090"
    assert uids["ontour-jaeger"]["url"] == "http://jaeger:16686"
    provider = load_yaml(
        OBSERVABILITY / "grafana" / "provisioning" / "dashboards" / "dashboards.yaml"
    )["providers"][0]
    mounts = single["services"]["grafana"]["volumes"]
    assert f"./deploy/observability/grafana/dashboards:{provider['options']['path']}:ro" in mounts
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    used = {p["datasource"]["uid"] for p in dashboard["panels"] if "datasource" in p}
    assert used <= set(uids)


def test_the_dashboard_shows_the_pipeline() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    panels = dashboard["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    expressions = [t["expr"] for p in panels for t in p.get("targets", [])]
    used = {m for expr in expressions for m in re.findall(r"\b(ontour_[a-z_]+)\b", expr)}
    assert used >= PIPELINE_METRICS
    # Every metric the dashboard asks for is one the services export (no typos, no stale
    # names after a rename in ontour.observability.metrics).
    exported = set()
    for metric in metrics.registry.collect():
        # A labelled counter without samples yet is named without its _total suffix.
        suffix = "_total" if metric.type == "counter" else ""
        exported |= {sample.name for sample in metric.samples} | {metric.name + suffix}
    assert used <= exported, f"not exported by the services: {used - exported}"
    assert any('status="5xx"' in e for e in expressions)
    assert any('status="4xx"' in e for e in expressions)
    for panel in panels:
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"])
