"""Secret URLs are redacted by one function, wherever a path is recorded (no servers here;
the round trip through running services is in test_hardening.py)."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from fastapi import FastAPI
from ontour.observability.logging import configure_logging, get_logger
from ontour.observability.redaction import redact_path
from ontour.observability.tracing import redacted
from ontour.web import problems
from ontour.web.problems import install_problem_handlers
from opentelemetry.sdk.trace import ReadableSpan

TOKEN = "Zq3-secretTOKEN_x9"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (f"/aftercare/status/{TOKEN}", "/aftercare/status/{token}"),
        (f"/aftercare/status/{TOKEN}/intrekken", "/aftercare/status/{token}/intrekken"),
        (f"/scheduling/agenda/{TOKEN}.ics", "/scheduling/agenda/{token}.ics"),
        (
            f"http://ontour.test:8080/aftercare/status/{TOKEN}?x=1",
            "http://ontour.test:8080/aftercare/status/{token}?x=[redacted]",
        ),
        (
            f"/auth/callback?code={TOKEN}&state=abc",
            "/auth/callback?code=[redacted]&state=[redacted]",
        ),
        (
            f"GET /scheduling/agenda/{TOKEN}.ics http send",
            "GET /scheduling/agenda/{token}.ics http send",
        ),
        ("/aftercare/status/{token}", "/aftercare/status/{token}"),
        ("/intake/api/v1/voorgesprekken/42", "/intake/api/v1/voorgesprekken/42"),
        ("Klopt dit? Ja.", "Klopt dit? Ja."),
    ],
)
def test_secret_segments_and_query_values_are_replaced(raw, expected):
    assert redact_path(raw) == expected


def test_a_span_loses_its_secrets_in_name_attributes_and_events():
    span = ReadableSpan(
        name=f"GET /aftercare/status/{TOKEN}",
        attributes={
            "http.target": f"/auth/callback?code={TOKEN}",
            "http.url": f"http://ontour.test/scheduling/agenda/{TOKEN}.ics",
            "url.path": f"/aftercare/status/{TOKEN}/intrekken",
            "url.query": f"code={TOKEN}&state=s",
            "http.route": "/aftercare/status/{token}",
            "http.status_code": 200,
        },
    )
    clean = redacted(span)
    assert TOKEN not in clean.name + json.dumps(dict(clean.attributes or {}))
    assert clean.attributes["url.query"] == "code=[redacted]&state=[redacted]"
    assert clean.attributes["http.status_code"] == 200


def test_log_lines_never_carry_a_secret_url_whoever_logs_it(capsys):
    configure_logging("aftercare")
    get_logger("test").info("seen", path=f"/aftercare/status/{TOKEN}", nested={"u": [TOKEN]})
    logging.getLogger("some.library").warning("GET /scheduling/agenda/%s.ics", TOKEN)
    out = capsys.readouterr().out
    assert "/aftercare/status/{token}" in out and "/scheduling/agenda/{token}.ics" in out
    # Only what stands in a secret URL is redacted (a bare token in a field is not a URL).
    assert out.count(TOKEN) == 1


async def test_an_unexpected_error_logs_the_path_without_its_secret(capsys, monkeypatch):
    configure_logging("aftercare")
    # A logger used earlier in the run may still write to an earlier test's captured stdout.
    monkeypatch.setattr(problems, "log", get_logger("ontour.web.problems"))
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/aftercare/status/{token}")
    async def broken(token: str) -> None:
        raise RuntimeError("kapot")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://ontour.test") as client:
        response = await client.get(f"/aftercare/status/{TOKEN}")
    assert response.status_code == 500
    assert TOKEN not in response.text
    out = capsys.readouterr().out
    assert "unhandled error" in out and "/aftercare/status/{token}" in out
    assert TOKEN not in out
