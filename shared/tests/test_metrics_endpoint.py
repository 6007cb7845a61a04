"""The internal metrics endpoint: Prometheus' text on a port of its own, stopped cleanly."""

from __future__ import annotations

import httpx
import pytest
from ontour.devstack.servers import port_in_use
from ontour.observability import metrics
from ontour.observability.metrics_endpoint import MetricsEndpoint
from prometheus_client.parser import text_string_to_metric_families


async def test_it_serves_the_registry_and_frees_its_port_when_stopped():
    endpoint = MetricsEndpoint.start("127.0.0.1", 0)
    port = endpoint.port
    try:
        metrics.http_requests.labels("intake", "GET", "/intake/endpoint-test", "2xx").inc()
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{port}/metrics")
        assert response.status_code == 200
        routes = {
            sample.labels["route"]
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
            if sample.name == "ontour_http_requests_total"
        }
        assert "/intake/endpoint-test" in routes
    finally:
        await endpoint.stop()
    assert not port_in_use(port)


async def test_a_port_in_use_fails_at_start():
    endpoint = MetricsEndpoint.start("127.0.0.1", 0)
    try:
        with pytest.raises(OSError):
            MetricsEndpoint.start("127.0.0.1", endpoint.port)
    finally:
        await endpoint.stop()
