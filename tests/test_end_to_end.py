"""The walking skeleton through Caddy, with every part in its own process."""

from __future__ import annotations

import time
from datetime import datetime
from importlib.metadata import entry_points

import httpx
import pytest
from ontour.devstack.stack import service_names
from ontour.testing.plugin import NEVER_SECONDS
from prometheus_client.parser import text_string_to_metric_families

SERVICES = service_names()
FIGURES = "/reporting/api/v1/tour"
# Only a bound for a pipeline that is stuck, not a performance target (see make bench): on a
# stack that has just started, intake's register (354 events) is still flowing in ahead of it.
PROCESSED_WITHIN_SECONDS = NEVER_SECONDS


def test_all_four_services_are_installed():
    assert SERVICES == ["intake", "scheduling", "aftercare", "reporting"]


def test_a_voorgesprek_recorded_through_caddy_reaches_the_dashboard(base_url, as_role):
    """Freshness is what "bijgewerkt tot" shows: the time of the newest event processed.

    How fast it gets there is measured in `make bench` (backbone: end-to-end latency), not
    here: a deadline of a second failed on a loaded machine without anything being wrong."""
    with httpx.Client(base_url=base_url, headers=as_role("ministerie")) as ministry:
        before = ministry.get(FIGURES).json()["bijgewerkt_tot"]
        created = httpx.post(
            f"{base_url}/intake/api/v1/voorgesprekken",
            json={"organisation_code": "GM0363", "held_on": "2025-05-12", "mode": "fysiek"},
            headers=as_role("coordinator"),
        )
        assert created.status_code == 201
        recorded = datetime.fromisoformat(created.json()["recorded_at"])

        def updated() -> datetime | None:
            moment = ministry.get(FIGURES).json()["bijgewerkt_tot"]
            return datetime.fromisoformat(moment) if moment else None

        deadline = time.monotonic() + PROCESSED_WITHIN_SECONDS
        latest = updated()
        while time.monotonic() < deadline and (latest is None or latest < recorded):
            time.sleep(0.05)
            latest = updated()
        assert latest is not None and latest >= recorded, (before, latest, recorded)


@pytest.mark.parametrize("service", SERVICES)
def test_operations_routes_per_service(base_url, service):
    with httpx.Client(base_url=base_url) as client:
        assert client.get(f"/{service}/health/live").json() == {"status": "ok"}
        ready = client.get(f"/{service}/health/ready").json()
        assert ready == {"status": "ok", "database": "ok", "broker": "ok"}
        openapi = client.get(f"/{service}/api/v1/openapi.json")
        assert openapi.status_code == 200 and openapi.json()["openapi"].startswith("3.")
        asyncapi = client.get(f"/{service}/asyncapi.json").json()
        assert asyncapi["asyncapi"].startswith("3.")
        page = client.get(f"/{service}/asyncapi")
        assert page.status_code == 200 and '<html lang="nl">' in page.text
        assert "<script" not in page.text  # no CDN scripts, no live "try it out"


@pytest.mark.parametrize("service", SERVICES)
def test_metrics_are_not_served_through_the_entry_point(base_url, stack, service):
    """Exact counters tell when someone did something (an aftercare request, a session):
    Caddy refuses the path, and the service has no such route on its public port either."""
    for path in (f"/{service}/metrics", f"/{service}/metrics/", f"/{service.upper()}/Metrics"):
        refused = httpx.get(f"{base_url}{path}")
        assert refused.status_code == 404, path
        assert "API-Version" not in refused.headers, "Caddy must refuse, not the service"
        assert "ontour_" not in refused.text
    direct = httpx.get(f"http://127.0.0.1:{stack.service_ports[service]}/{service}/metrics")
    assert direct.status_code == 404
    assert direct.headers["API-Version"]  # the service itself answered
    assert "ontour_" not in direct.text


@pytest.mark.parametrize("service", SERVICES)
def test_metrics_are_served_on_the_internal_port(base_url, stack, service):
    assert httpx.get(f"{base_url}/{service}/health/live").status_code == 200
    response = httpx.get(f"http://127.0.0.1:{stack.metrics_ports[service]}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = [
        sample
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    ]
    requests = [s for s in samples if s.name == "ontour_http_requests_total"]
    live = {"service": service, "method": "GET", "route": f"/{service}/health/live"}
    assert any(s.labels == {**live, "status": "2xx"} and s.value >= 1 for s in requests)
    # The consumers' lag comes from JetStream, refreshed in the background.
    [declaration] = [ep.load() for ep in entry_points(group="ontour.services", name=service)]
    pending = {s.labels["consumer"] for s in samples if s.name == "ontour_consumer_pending"}
    assert pending == {consumer.durable for consumer in declaration.consumers}


def test_intake_asyncapi_documents_its_event_with_descriptions(base_url):
    document = httpx.get(f"{base_url}/intake/asyncapi.json").json()
    addresses = [c["address"] for c in document["channels"].values()]
    assert "ontour.intake.voorgesprek.gehouden.v1" in addresses
    schema = document["components"]["schemas"]["VoorgesprekGehouden"]
    assert all(prop.get("description") for prop in schema["properties"].values())


def test_reporting_asyncapi_documents_its_durable_consumer(base_url):
    document = httpx.get(f"{base_url}/reporting/asyncapi.json").json()
    operations = document["operations"].values()
    assert any(op["action"] == "receive" for op in operations)


def test_start_page_and_accessibility_statement_are_dutch(base_url):
    start = httpx.get(f"{base_url}/")
    assert start.status_code == 200 and '<html lang="nl">' in start.text
    assert "112" in start.text
    statement = httpx.get(f"{base_url}/toegankelijkheid")
    assert statement.status_code == 200 and "WCAG 2.1" in statement.text


def test_anonymous_api_calls_are_refused_with_401(base_url):
    response = httpx.get(f"{base_url}{FIGURES}")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Niet aangemeld"


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/intake/api/v1/bestaat-niet", 404),
        ("GET", "/intake/api/v1/voorgesprekken/00000000-0000-4000-8000-000000000000", 404),
        ("GET", "/intake/api/v1/voorgesprekken/geen-uuid", 422),
        ("DELETE", "/intake/api/v1/voorgesprekken", 405),
        ("POST", "/intake/api/v1/voorgesprekken", 422),
        ("GET", "/reporting/api/v1/niets", 404),
    ],
)
def test_every_http_error_is_dutch_problem_json(base_url, as_role, method, path, status):
    response = httpx.request(
        method,
        f"{base_url}{path}",
        content=b"{}",
        headers={"content-type": "application/json", **as_role("coordinator")},
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["title"] in {"Niet gevonden", "Ongeldige invoer", "Methode niet toegestaan"}
    assert "Traceback" not in response.text


def test_validation_problems_name_the_field_in_dutch(base_url, as_role):
    response = httpx.post(
        f"{base_url}/intake/api/v1/voorgesprekken",
        headers=as_role("teamlid"),
        json={"organisation_code": "GM0014", "held_on": "2999-01-01", "mode": "fysiek"},
    )
    assert response.status_code == 422
    assert response.json()["invalidParams"] == [
        {"name": "held_on", "reason": "een gehouden voorgesprek kan niet in de toekomst liggen"}
    ]


def test_the_front_door_is_live_and_ready(base_url):
    assert httpx.get(f"{base_url}/health/live").json() == {"status": "ok"}
    assert httpx.get(f"{base_url}/health/ready").json() == {"status": "ok", "broker": "ok"}


def test_an_etag_compressed_by_caddy_is_accepted_back_in_if_match(base_url, as_role):
    # Caddy gzips a response for a client that accepts it and marks its ETag so ("3-gzip");
    # a client sends that back as it got it, which once was refused with 422.
    with httpx.Client(base_url=base_url, headers=as_role("coordinator")) as coordinator:
        created = coordinator.post(
            "/intake/api/v1/voorgesprekken",
            json={"organisation_code": "GM0344", "held_on": "2025-06-02", "mode": "fysiek"},
        )
        assert created.status_code == 201, created.text
        path = f"/intake/api/v1/voorgesprekken/{created.json()['id']}"
        found = coordinator.get(path, headers={"Accept-Encoding": "gzip"})
        assert found.headers["Content-Encoding"] == "gzip"
        assert found.headers["ETag"].endswith('-gzip"'), found.headers["ETag"]
        changed = coordinator.patch(
            path, json={"mode": "online"}, headers={"If-Match": found.headers["ETag"]}
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["mode"] == "online"
        again = coordinator.patch(
            path, json={"mode": "fysiek"}, headers={"If-Match": found.headers["ETag"]}
        )
        assert again.status_code == 409, again.text
