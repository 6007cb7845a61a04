"""Hardening every service shares, on the running services: no secret URL in spans, logs or
metrics; security headers; a body limit before parsing; a 405 that names every method."""

from __future__ import annotations

import json

import httpx
import pytest
from aftercare.app import service as aftercare
from backbone_support import AFTERCARE_REQUEST as REQUEST
from backbone_support import ANONYMOUS
from intake.app import service as intake
from ontour.frontdoor import FrontDoorSettings
from ontour.frontdoor import create_app as frontdoor_app
from ontour.testing.plugin import running_service, scalar, scrape_metrics
from reporting.app import service as reporting
from scheduling.app import service as scheduling

MB = 1024 * 1024
TEAMLID = {"id": "tom.teamlid", "name": "Tom Bakker", "background": "oud-wethouder",
           "gender": "man", "home_lat": 52.09, "home_lon": 5.12}  # fmt: skip
SERVICES = {"intake": intake, "scheduling": scheduling, "aftercare": aftercare,
            "reporting": reporting}  # fmt: skip


def common(nats_url, database_url, idp_url, bearer, name: str) -> dict:
    return {
        "nats_url": nats_url,
        "database_url": database_url(name),
        "idp_url": idp_url,
        "headers": bearer("coordinator"),
    }


async def test_status_link_and_calendar_feed_leave_no_token_in_spans_logs_or_metrics(
    nats_url, database_url, idp_url, bearer, finished_spans, capfd
):
    async with (
        running_service(
            aftercare,
            **common(nats_url, database_url, idp_url, bearer, "aftercare"),
            requests_per_client_per_hour=50,
        ) as care,
        running_service(
            scheduling, **common(nats_url, database_url, idp_url, bearer, "scheduling")
        ) as plan,
    ):
        received = await care.post("/aftercare/api/v1/verzoeken", json=REQUEST, headers=ANONYMOUS)
        assert received.status_code == 201, received.text
        status_token = received.json()["status_url"].rsplit("/", 1)[1]
        status = await care.get(f"/aftercare/status/{status_token}?terug=1", headers=ANONYMOUS)
        assert status.status_code == 200
        withdrawn = await care.post(
            f"/aftercare/status/{status_token}/intrekken", headers=ANONYMOUS
        )
        assert withdrawn.status_code < 500

        assert (await plan.post("/scheduling/api/v1/teamleden", json=TEAMLID)).status_code == 201
        feed_url = (await plan.post("/scheduling/api/v1/teamleden/tom.teamlid/agendafeed")).json()[
            "url"
        ]
        feed_token = feed_url.rsplit("/", 1)[1].removesuffix(".ics")
        feed = await plan.get(f"/scheduling/agenda/{feed_token}.ics", headers=ANONYMOUS)
        assert feed.status_code == 200 and "BEGIN:VCALENDAR" in feed.text
        code = await plan.get("/scheduling/agenda/wrong-token.ics", headers=ANONYMOUS)
        assert code.status_code == 404

        metrics = (await scrape_metrics(care)).text + (await scrape_metrics(plan)).text
    spans = finished_spans.get_finished_spans()
    recorded = json.dumps(
        [
            {"name": s.name, "attributes": dict(s.attributes or {}),
             "events": [dict(e.attributes or {}) for e in s.events]}
            for s in spans
        ],
        default=str,
    )  # fmt: skip
    assert "/aftercare/status/{token}" in recorded and "/scheduling/agenda/{token}.ics" in recorded
    logs = capfd.readouterr()
    for token in (status_token, feed_token, "wrong-token"):
        assert token not in recorded, "a secret URL in a span"
        assert token not in logs.out + logs.err, "a secret URL in the logs"
        assert token not in metrics, "a secret URL in a metric label"
    assert 'route="/aftercare/status/{token}"' in metrics
    assert 'route="/scheduling/agenda/{token}.ics"' in metrics


@pytest.mark.parametrize("name", SERVICES)
async def test_every_service_sets_its_security_headers(
    name, nats_url, database_url, idp_url, bearer
):
    async with running_service(
        SERVICES[name], **common(nats_url, database_url, idp_url, bearer, name)
    ) as api:
        page = await api.get(f"/{name}/", headers={"Accept": "text/html"})
        problem = await api.get(f"/{name}/api/v1/bestaat-niet")
        asset = await api.get(f"/{name}/static/ontour.css")
    for response in (page, problem, asset):
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in headers  # plain http, no https setting
    assert page.headers["Cache-Control"] == "no-store"
    assert problem.headers["Cache-Control"] == "no-store"
    assert "no-store" not in asset.headers.get("Cache-Control", "")


async def test_over_tls_the_services_and_the_front_door_send_hsts(
    nats_url, database_url, idp_url, bearer
):
    async with running_service(
        intake,
        **common(nats_url, database_url, idp_url, bearer, "intake"),
        public_base_url="https://ontour.example.org",
    ) as api:
        response = await api.get("/intake/api/v1/organisaties")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert response.headers["Cache-Control"] == "no-store"

    settings = FrontDoorSettings(
        nats_url=nats_url, oidc_issuer=idp_url, environment="test",
        public_base_url="https://ontour.example.org",
    )  # fmt: skip
    app = frontdoor_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ontour.test") as door:
            start = await door.get("/", headers={"Accept": "text/html"})
            too_large = await door.post("/afmelden", content=b"x" * (MB + 1))
    assert start.status_code == 200
    assert "frame-ancestors 'none'" in start.headers["Content-Security-Policy"]
    assert start.headers["Strict-Transport-Security"].startswith("max-age=")
    assert start.headers["Cache-Control"] == "no-store"
    assert too_large.status_code == 413


async def _chunks(total: int, size: int = 64 * 1024):
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


async def test_an_oversized_body_is_refused_in_dutch_before_anything_reads_it(
    nats_url, database_url, idp_url, bearer
):
    async with running_service(
        intake, **common(nats_url, database_url, idp_url, bearer, "intake")
    ) as api:
        json_type = {"Content-Type": "application/json"}
        declared = await api.post(
            "/intake/api/v1/voorgesprekken",
            content=b"x" * (MB + 1),
            headers={**json_type, **ANONYMOUS},  # refused before authentication
        )
        streamed = await api.post(
            "/intake/api/v1/voorgesprekken", content=_chunks(MB + 1), headers=json_type
        )
        form = await api.post(
            "/intake/voorgesprekken/nieuw",
            content=_chunks(2 * MB),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        # The import takes a file of up to 10 MB: 2 MB is read (and found no spreadsheet).
        upload = await api.post(
            "/intake/api/v1/imports", files={"file": ("groot.csv", b"a;b\n" * (MB // 2))}
        )
        saved = await scalar(api, "SELECT count(*) FROM voorgesprek")
    assert not streamed.request.headers.get("content-length")  # really sent in chunks
    for response in (declared, streamed, form):
        assert response.status_code == 413, response.text
        assert response.headers["Content-Type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["title"] == "Verzoek te groot"
        assert "groter dan de toegestane 1 MB" in problem["detail"]
    assert upload.status_code != 413
    assert saved == 0


async def test_a_405_names_every_method_of_the_path(nats_url, database_url, idp_url, bearer):
    async with running_service(
        intake, **common(nats_url, database_url, idp_url, bearer, "intake")
    ) as api:
        page = await api.put("/intake/import")
        collection = await api.delete("/intake/api/v1/voorgesprekken")
    assert page.status_code == 405
    assert set(page.headers["Allow"].split(", ")) == {"GET", "POST"}
    assert collection.status_code == 405
    assert {"GET", "POST"} <= set(collection.headers["Allow"].split(", "))
    assert collection.json()["title"] == "Methode niet toegestaan"
