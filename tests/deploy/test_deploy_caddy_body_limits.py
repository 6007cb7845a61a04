"""Caddy and the Kubernetes ingress refuse a request body over the services' own limits
(1 MB; intake's import upload 11 MB) before it reaches a service."""

from __future__ import annotations

import json
from typing import Any

from deploy_support import DEPLOY, kustomize
from intake.app import IMPORT_BODY_BYTES
from ontour.web.middleware import DEFAULT_MAX_BODY_BYTES
from test_deploy_caddy_observability import caddy

MB = 1024 * 1024
UPLOADS = {"/intake/import", "/intake/api/v1/imports"}


def _request_body_limits(routes: list[dict[str, Any]]) -> list[tuple[Any, int]]:
    """(matcher, max_size) of every request_body handler, however deep."""
    found = []
    for route in routes:
        for handler in route.get("handle", []):
            if handler["handler"] == "request_body":
                found.append((route.get("match"), handler["max_size"]))
            if handler["handler"] == "subroute":
                found += _request_body_limits(handler.get("routes", []))
    return found


def test_caddy_limits_request_bodies_like_the_services() -> None:
    result = caddy("adapt", {})
    assert result.returncode == 0, result.stderr
    [server] = json.loads(result.stdout)["apps"]["http"]["servers"].values()
    limits = _request_body_limits(server["routes"])
    by_size = {size: match for match, size in limits}
    assert set(by_size) == {1_000_000, 11_000_000}, limits
    assert set(by_size[11_000_000][0]["path"]) == UPLOADS
    assert set(by_size[1_000_000][0]["not"][0]["path"]) == UPLOADS
    # Caddy's MB is 10^6 bytes: never above what the services accept themselves.
    assert DEFAULT_MAX_BODY_BYTES >= 1_000_000 and IMPORT_BODY_BYTES >= 11_000_000


def test_the_ingress_limits_request_bodies_like_the_services() -> None:
    ingresses = {
        r["metadata"]["name"]: r
        for r in kustomize(DEPLOY / "k8s" / "overlays" / "production")
        if r["kind"] == "Ingress"
    }
    size = "nginx.ingress.kubernetes.io/proxy-body-size"
    assert ingresses["ontour"]["metadata"]["annotations"][size] == "1m"
    upload = ingresses["ontour-import"]
    assert upload["metadata"]["annotations"][size] == "11m"
    paths = upload["spec"]["rules"][0]["http"]["paths"]
    assert {p["path"] for p in paths} == UPLOADS
    assert {(p["pathType"], p["backend"]["service"]["name"]) for p in paths} == {
        ("Exact", "intake")
    }
    assert upload["spec"]["rules"][0]["host"] == ingresses["ontour"]["spec"]["rules"][0]["host"]
    # nginx's m is MiB: the same as the services' limits.
    assert DEFAULT_MAX_BODY_BYTES == 1 * MB and IMPORT_BODY_BYTES == 11 * MB
