"""deploy/k8s: the Kustomize base and production overlay render (the same subset of
Kustomize as `kubectl kustomize`), every resource validates against the Kubernetes schemas
(PyPI kubernetes-validate), and the workloads are hardened, probed and in step with the
services; the NATS Helm values and the CloudNativePG manifest match the backbone."""

from __future__ import annotations

import re
from typing import Any

import kubernetes_validate
import pytest
from deploy_support import (
    DEPLOY,
    FRONTDOOR,
    METRICS,
    NATS_DIR,
    NATS_USERS,
    SERVICES,
    kustomize,
    load_yaml,
    load_yaml_all,
    password_variable,
)

K8S = DEPLOY / "k8s"
# The oldest Kubernetes minor still supported when this was written, and the newest the
# schemas know: the manifests must be valid on both.
KUBERNETES_VERSIONS = ["1.33.0", kubernetes_validate.utils.latest_version()]
WORKLOADS = {**SERVICES, FRONTDOOR[0]: FRONTDOOR[1]}


@pytest.fixture(scope="module")
def base() -> list[dict[str, Any]]:
    return kustomize(K8S / "base")


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    return kustomize(K8S / "overlays" / "production")


def by_kind(resources: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", ["base", "overlays/production"])
def test_rendered_manifests_validate_against_the_kubernetes_schemas(
    overlay: str, version: str
) -> None:
    resources = kustomize(K8S / overlay)
    assert resources
    for resource in resources:
        # strict: unknown fields are errors too (a typo is not silently ignored).
        kubernetes_validate.validate(resource, version, strict=True)


def test_the_validation_catches_mistakes(base) -> None:
    broken = by_kind(base, "Deployment")["intake"]
    broken = {**broken, "spec": {**broken["spec"], "replica": 2}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def test_every_process_has_a_deployment_and_a_service(base) -> None:
    deployments, services = by_kind(base, "Deployment"), by_kind(base, "Service")
    assert set(deployments) == set(WORKLOADS)
    assert set(services) == set(WORKLOADS)
    for name, port in WORKLOADS.items():
        [container] = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert container["ports"][0] == {"name": "http", "containerPort": port, "protocol": "TCP"}
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env["ONTOUR_HTTP_PORT"] == str(port)
        assert {"configMapRef": {"name": "ontour-config"}} in container["envFrom"]
        assert {"secretRef": {"name": f"ontour-{name}"}} in container["envFrom"]
        service = services[name]["spec"]
        assert service["ports"][0]["port"] == port and service["ports"][0]["targetPort"] == "http"
        assert service["selector"] == deployments[name]["spec"]["selector"]["matchLabels"]
        expected_image = "ontour/intake:dev" if name == FRONTDOOR[0] else f"ontour/{name}:dev"
        assert container["image"] == expected_image
    frontdoor_env = {
        e["name"]: e["value"]
        for e in deployments["frontdoor"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert frontdoor_env["ONTOUR_APP"] == "ontour.frontdoor:create_app"


def test_metrics_are_scraped_on_an_internal_port_of_their_own(base) -> None:
    deployments, services = by_kind(base, "Deployment"), by_kind(base, "Service")
    for name, port in METRICS.items():
        template = deployments[name]["spec"]["template"]
        [container] = template["spec"]["containers"]
        metrics = {"name": "metrics", "containerPort": port, "protocol": "TCP"}
        assert container["ports"][1:] == [metrics]
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env["ONTOUR_METRICS_PORT"] == str(port)
        assert template["metadata"]["annotations"] == {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(port),
            "prometheus.io/path": "/metrics",
        }
        assert services[name]["spec"]["ports"][1:] == [
            {"name": "metrics", "port": port, "targetPort": "metrics", "protocol": "TCP"}
        ]
    frontdoor = deployments[FRONTDOOR[0]]["spec"]["template"]
    assert frontdoor["metadata"]["annotations"] == {"prometheus.io/scrape": "false"}
    assert len(frontdoor["spec"]["containers"][0]["ports"]) == 1


def test_deployments_are_probed_and_hardened(base) -> None:
    for name, deployment in by_kind(base, "Deployment").items():
        prefix = "" if name == FRONTDOOR[0] else f"/{name}"
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == f"{prefix}/health/live"
        assert container["readinessProbe"]["httpGet"]["path"] == f"{prefix}/health/ready"
        assert container["startupProbe"]["httpGet"]["path"] == f"{prefix}/health/live"
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            assert container[probe]["httpGet"]["port"] == "http"
        resources = container["resources"]
        assert resources["requests"]["cpu"] and resources["requests"]["memory"]
        assert resources["limits"]["memory"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        security = container["securityContext"]
        assert security["runAsNonRoot"] is True
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"] == {"drop": ["ALL"]}
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
        # Broker graceful timeout 15 s + uvicorn 10 s + preStop 5 s.
        assert pod["terminationGracePeriodSeconds"] >= 30
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_the_streams_job_runs_ontour_streams_ensure(base, production) -> None:
    for resources, replicas in ((base, "1"), (production, "3")):
        job = by_kind(resources, "Job")["ontour-streams-ensure"]
        [container] = job["spec"]["template"]["spec"]["containers"]
        assert container["command"] == ["ontour", "streams", "ensure"]
        assert container["args"] == ["--replicas", replicas]
        assert container["envFrom"] == [{"secretRef": {"name": "ontour-ops"}}]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_production_overlay(production) -> None:
    namespaced = [r for r in production if r["kind"] != "Namespace"]
    assert {r["metadata"].get("namespace") for r in namespaced} == {"ontour"}
    namespace = by_kind(production, "Namespace")["ontour"]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    deployments = by_kind(production, "Deployment")
    budgets = by_kind(production, "PodDisruptionBudget")
    for name in WORKLOADS:
        spec = deployments[name]["spec"]
        assert spec["replicas"] == 2
        image = spec["template"]["spec"]["containers"][0]["image"]
        assert re.fullmatch(r"registry\.example\.org/ontour/[a-z]+:\d+\.\d+\.\d+", image)
        assert spec["template"]["spec"]["topologySpreadConstraints"]
        assert budgets[name]["spec"]["selector"] == spec["selector"]
    ingress = by_kind(production, "Ingress")["ontour"]
    paths = {
        p["path"]: p["backend"]["service"]["name"]
        for p in ingress["spec"]["rules"][0]["http"]["paths"]
    }
    assert paths == {"/": "frontdoor", **{f"/{name}": name for name in SERVICES}}
    # The public entry point reaches the services' http ports only, never their metrics.
    for path in ingress["spec"]["rules"][0]["http"]["paths"]:
        assert path["backend"]["service"]["port"] == {"name": "http"}


def test_nats_helm_values_run_a_jetstream_cluster_with_the_compose_permissions() -> None:
    values = load_yaml(K8S / "nats" / "values.yaml")
    config = values["config"]
    assert config["cluster"] == {"enabled": True, "replicas": 3}
    jetstream = config["jetstream"]
    assert jetstream["enabled"] is True
    assert jetstream["fileStore"]["enabled"] is True
    assert jetstream["fileStore"]["pvc"]["enabled"] is True
    assert jetstream["memoryStore"]["enabled"] is False
    assert jetstream["merge"]["sync_interval"] == "always"
    # deploy/nats/auth.conf is included from a ConfigMap mounted next to the chart's config.
    include = config["merge"]["$include"]
    [mount] = [p["value"] for p in values["container"]["patch"] if p["path"] == "/volumeMounts/-"]
    [volume] = [
        p["value"] for p in values["podTemplate"]["patch"] if p["path"] == "/spec/volumes/-"
    ]
    assert mount["name"] == volume["name"]
    assert f"/etc/nats-config/{include}" == f"{mount['mountPath']}/auth.conf"
    assert volume["configMap"]["name"] == "ontour-nats-auth"
    # Every password auth.conf reads comes from the Secret.
    auth = (NATS_DIR / "auth.conf").read_text(encoding="utf-8")
    wanted = set(re.findall(r"password: \$([A-Z_]+)", auth))
    assert wanted == {password_variable(user) for user in NATS_USERS}
    env = values["container"]["env"]
    assert set(env) == wanted
    for variable in wanted:
        assert env[variable]["valueFrom"]["secretKeyRef"]["name"] == "ontour-nats-users"


def test_cloudnativepg_cluster_gives_each_service_its_own_database() -> None:
    documents = load_yaml_all(K8S / "postgres" / "cnpg-cluster.yaml")
    [cluster] = [d for d in documents if d["kind"] == "Cluster"]
    assert cluster["apiVersion"] == "postgresql.cnpg.io/v1"
    assert cluster["spec"]["instances"] >= 3
    assert cluster["spec"]["imageName"].endswith(":18")
    roles = {r["name"]: r for r in cluster["spec"]["managed"]["roles"]}
    assert set(roles) == set(SERVICES)
    for name, role in roles.items():
        assert role["login"] is True
        assert not (role["superuser"] or role["createdb"] or role["createrole"])
        assert role["passwordSecret"]["name"] == f"ontour-db-{name}"
    databases = {d["spec"]["name"]: d["spec"] for d in documents if d["kind"] == "Database"}
    assert set(databases) == set(SERVICES)
    for name, spec in databases.items():
        assert spec["owner"] == name and spec["cluster"]["name"] == cluster["metadata"]["name"]
