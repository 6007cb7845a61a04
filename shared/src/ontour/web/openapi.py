"""Every service's OpenAPI document as the NL API Design Rules ask (``deploy/api-linter/``).

FastAPI writes the document from the routes; what every service shares is added here, once:

- ``servers`` names the API's base with its major version (``/intake/api/v1``) and the paths
  are relative to it (/core/uri-version);
- every response documents the ``API-Version`` header, which every response carries
  (/core/version-header);
- every error is ``application/problem+json`` (RFC 9457), FastAPI's own 422 included;
- every operation documents a 400: a malformed body or ``Content-Length`` is refused with it
  (/core/error-handling/invalid-input), and one with parameters or a body its 422;
- a renamed query parameter says which old name still works until when;
- the schema FastAPI makes for a form or file body is named in UpperCamelCase after its
  operation (``CreateImportBody``, not ``Body_create_import_intake_api_v1_imports_post``)
  (/core/naming-conventions).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ontour.web.problems import DUTCH_TITLES, PROBLEM_JSON
from ontour.web.query_names import SUNSET

API_VERSION_HEADER = "API-Version"
PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
# FastAPI's documentation of its validation errors, replaced by ProblemDetails.
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
OPERATIONS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def document_api(app: FastAPI, base: str, renamed: Mapping[str, str]) -> None:
    """Serve ``app``'s OpenAPI document relative to ``base`` (``/intake/api/v1``).

    ``renamed`` maps old query parameter names to the new ones (``ontour.web.query_names``).
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                contact=app.contact,
                servers=[{"url": base, "description": "On Tour"}],
            )
            app.openapi_schema = api_document(document, base, renamed)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def api_document(document: dict[str, Any], base: str, renamed: Mapping[str, str]) -> dict[str, Any]:
    """FastAPI's ``document`` completed as the rules ask (in place, and returned)."""
    paths: dict[str, Any] = {}
    body_names: dict[str, str] = {}
    for path, item in document.get("paths", {}).items():
        if not path.startswith(f"{base}/"):
            raise ValueError(f"{path} is documented but lies outside the API's base {base}")
        paths[path.removeprefix(base)] = item
        for method, operation in item.items():
            if method in OPERATIONS:
                _complete(operation, renamed)
                body_names.update(_body_name(path, method, operation))
    document["paths"] = paths
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    _rename_schemas(document, schemas, body_names)
    components["headers"] = {
        API_VERSION_HEADER: {
            "description": "De volledige versie van de API (major.minor.patch).",
            "required": True,
            "schema": {"type": "string", "example": document["info"]["version"]},
        }
    }
    return document


def _complete(operation: dict[str, Any], renamed: Mapping[str, str]) -> None:
    parameters = operation.get("parameters", [])
    responses = operation.setdefault("responses", {})
    statuses = ["400", "422"] if parameters or "requestBody" in operation else ["400"]
    for status in statuses:
        responses.setdefault(status, {"description": DUTCH_TITLES[int(status)]})
    for status, response in responses.items():
        if status[0] in "45":
            response["content"] = PROBLEM
            if status.isdigit() and int(status) in DUTCH_TITLES:
                response["description"] = DUTCH_TITLES[int(status)]
        response.setdefault("headers", {})[API_VERSION_HEADER] = {
            "$ref": f"#/components/headers/{API_VERSION_HEADER}"
        }
    old_names = {new: old for old, new in renamed.items()}
    for parameter in parameters:
        old = old_names.get(parameter["name"]) if parameter["in"] == "query" else None
        if old is not None:
            note = f"Vervangt `{old}`: die naam werkt nog tot {SUNSET:%d-%m-%Y}, maar is verouderd."
            parameter["description"] = f"{parameter.get('description', '')} {note}".strip()


def _body_name(path: str, method: str, operation: dict[str, Any]) -> dict[str, str]:
    """FastAPI names a form or file body's schema ``Body_<operation id>``, and the operation
    id is the route's function name + the path + the method (``generate_unique_id``): the
    schema gets the function's name in UpperCamelCase + ``Body`` instead."""
    operation_id = operation.get("operationId", "")
    suffix = re.sub(r"\W", "_", path) + f"_{method}"
    function = operation_id.removesuffix(suffix)
    if function == operation_id:
        return {}
    return {f"Body_{operation_id}": "".join(w.capitalize() for w in function.split("_")) + "Body"}


def _rename_schemas(document: Any, schemas: dict[str, Any], names: Mapping[str, str]) -> None:
    renamed = {old: new for old, new in names.items() if old in schemas}
    for old, new in renamed.items():
        schemas[new] = {**schemas.pop(old), "title": new}
    references = {
        f"#/components/schemas/{old}": f"#/components/schemas/{new}" for old, new in renamed.items()
    }

    def follow(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("$ref") in references:
                node["$ref"] = references[node["$ref"]]
            for value in node.values():
                follow(value)
        elif isinstance(node, list):
            for value in node:
                follow(value)

    if renamed:
        follow(document)
