"""A change names its version: If-Match is an entity tag, and without a version 428 follows."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ontour.web.api import IfMatch, RequiredIfMatch, expected_version
from ontour.web.problems import install_problem_handlers

app = FastAPI()
install_problem_handlers(app)


@app.patch("/ding")
async def patch_ding(if_match: IfMatch = None, version: int | None = None) -> int:
    return expected_version(if_match, version)


@app.put("/ding")
async def put_ding(if_match: RequiredIfMatch) -> int:
    return expected_version(if_match)


client = TestClient(app)


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize(("tag", "version"), [('"3"', 3), ('W/"12"', 12)])
def test_an_entity_tag_names_the_version(method, tag, version):
    assert client.request(method, "/ding", headers={"If-Match": tag}).json() == version


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("tag", ["3", '"3', '"drie"', "*", '"3", "4"'])
def test_anything_else_is_refused_in_dutch(method, tag):
    response = client.request(method, "/ding", headers={"If-Match": tag})
    assert response.status_code == 422
    assert response.json()["invalidParams"][0]["reason"] == "heeft niet het juiste formaat"


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_without_a_version_428_follows(method):
    response = client.request(method, "/ding")
    assert response.status_code == 428
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "If-Match" in response.json()["detail"]


def test_the_version_may_come_as_a_field_instead():
    assert client.patch("/ding", params={"version": 5}).json() == 5


def test_the_schema_says_which_header_is_required():
    parameters = {
        method: {p["name"]: p for p in operation["parameters"]}
        for method, operation in app.openapi()["paths"]["/ding"].items()
    }
    assert parameters["put"]["if-match"]["required"] is True
    assert parameters["patch"]["if-match"]["required"] is False
    assert parameters["patch"]["if-match"]["schema"] == {
        "type": "string",
        # "3-gzip": the ETag as Caddy marks it after compressing the response.
        "pattern": '^(W/)?"[0-9]+(-(gzip|zstd|br))?"$',
        "title": "If-Match",
    }
