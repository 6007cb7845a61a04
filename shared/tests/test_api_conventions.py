"""The NL API Design Rules at runtime: malformed input is a Dutch 400, every answer says its
API-Version, and a renamed query parameter still works under its old name for a while."""

from __future__ import annotations

import re
from typing import Annotated

import pytest
from fastapi import FastAPI, File, Query, UploadFile
from fastapi.openapi.utils import get_openapi
from fastapi.testclient import TestClient
from ontour.web.api import EMAIL
from ontour.web.middleware import harden
from ontour.web.openapi import api_document
from ontour.web.problems import install_problem_handlers
from ontour.web.query_names import DEPRECATION_HEADERS, RenamedQueryParams
from pydantic import BaseModel, StringConstraints, TypeAdapter, ValidationError

app = FastAPI()
install_problem_handlers(app)
app.add_middleware(RenamedQueryParams, renamed={"per_pagina": "perPagina"}, prefix="/api/v1/")
harden(app, https=False, headers={"API-Version": "1.2.3"})


class Item(BaseModel):
    name: str


@app.get("/api/v1/items")
async def items(per_page: Annotated[int, Query(alias="perPagina", le=100)] = 20) -> int:
    return per_page


@app.post("/api/v1/items")
async def create(item: Item) -> str:
    return item.name


@app.post("/api/v1/item_files")
async def upload_item_file(file: Annotated[UploadFile, File()]) -> str:
    return file.filename or ""


client = TestClient(app)
JSON = {"Content-Type": "application/json"}


def test_malformed_json_is_a_dutch_400_and_an_invalid_value_a_422():
    malformed = client.post("/api/v1/items", content=b'{"name": ', headers=JSON)
    invalid = client.post("/api/v1/items", json={"name": 3})
    assert malformed.status_code == 400
    assert malformed.headers["Content-Type"].startswith("application/problem+json")
    assert malformed.json()["detail"] == "De inhoud van het verzoek is geen geldige JSON."
    assert malformed.json()["title"] == "Ongeldig verzoek"
    assert invalid.status_code == 422
    assert invalid.headers["Content-Type"].startswith("application/problem+json")
    assert invalid.json()["detail"] == "name moet tekst zijn"


def test_every_answer_carries_the_api_version_even_one_refused_before_the_app():
    bad_length = client.post(
        "/api/v1/items", content=b"{}", headers={**JSON, "Content-Length": "x"}
    )
    assert bad_length.status_code == 400
    for response in (bad_length, client.get("/api/v1/items"), client.get("/bestaat-niet")):
        assert response.headers["API-Version"] == "1.2.3"


@pytest.mark.parametrize(
    ("query", "answer"),
    [("perPagina=5", 5), ("per_pagina=5", 5), ("per_pagina=5&perPagina=7", 7), ("", 20)],
)
def test_the_old_name_of_a_query_parameter_still_works_and_says_it_is_deprecated(query, answer):
    response = client.get(f"/api/v1/items?{query}")
    assert response.status_code == 200 and response.json() == answer
    deprecated = "per_pagina" in query
    for header, value in DEPRECATION_HEADERS.items():
        assert response.headers.get(header) == (value if deprecated else None)


def test_an_old_name_is_validated_as_the_new_one():
    response = client.get("/api/v1/items?per_pagina=101")
    assert response.status_code == 422
    assert response.json()["invalidParams"][0]["name"] == "perPagina"


def fastapi_document() -> dict:
    return get_openapi(title="Test", version="1.2.3", routes=app.routes)


def test_the_document_is_relative_to_the_versioned_base_and_documents_400_and_problems():
    document = api_document(fastapi_document(), "/api/v1", {"per_pagina": "perPagina"})
    assert set(document["paths"]) == {"/items", "/item_files"}
    get, post = document["paths"]["/items"]["get"], document["paths"]["/items"]["post"]
    assert "per_pagina" in get["parameters"][0]["description"]
    for operation in (get, post):
        for status in ("400", "422"):
            assert set(operation["responses"][status]["content"]) == {"application/problem+json"}
        for response in operation["responses"].values():
            assert "API-Version" in response["headers"]
    assert "HTTPValidationError" not in document["components"]["schemas"]
    with pytest.raises(ValueError, match="outside"):
        api_document(fastapi_document(), "/api/v2", {})


def test_a_file_body_schema_is_named_after_its_operation_in_upper_camel_case():
    document = api_document(fastapi_document(), "/api/v1", {})
    schemas = document["components"]["schemas"]
    assert "UploadItemFileBody" in schemas
    assert schemas["UploadItemFileBody"]["title"] == "UploadItemFileBody"
    assert not [name for name in schemas if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)]
    body = document["paths"]["/item_files"]["post"]["requestBody"]["content"]
    assert body["multipart/form-data"]["schema"] == {
        "$ref": "#/components/schemas/UploadItemFileBody"
    }


def test_the_middleware_lets_the_lifespan_through():
    with TestClient(app) as started:  # a lifespan scope has no path
        assert started.get("/api/v1/items?per_pagina=3").json() == 3


@pytest.mark.parametrize("blank", ["\u0085", "\u00a0", "\ufeff", "\u2028", "\x1c", " ", "\t"])
def test_an_email_address_refuses_whitespace_in_every_regex_dialect(blank):
    # Found by schemathesis: with "\s" the pattern meant other characters to Python (U+0085)
    # than to the ECMAScript dialect of the OpenAPI document (U+FEFF).
    email = TypeAdapter(Annotated[str, StringConstraints(pattern=EMAIL)])
    assert email.validate_python("griffier@groningen.example")
    with pytest.raises(ValidationError):
        email.validate_python(f"grif{blank}fier@groningen.example")
    assert re.search(EMAIL, f"grif{blank}fier@groningen.example") is None
    assert "\\s" not in EMAIL
