"""Errors as ``application/problem+json`` (RFC 9457) with Dutch titles, never a stack trace.

Validation errors name every offending field in ``invalidParams`` (NL API Design Rules).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from ontour.observability.logging import get_logger
from ontour.observability.redaction import redact_path
from ontour.outages import OUTAGE_BASES, unavailable_part

PROBLEM_JSON = "application/problem+json"
# What a 503 for a database or broker that is away asks: try again after a restart's time.
RETRY_AFTER_OUTAGE_SECONDS = 5
log = get_logger(__name__)

DUTCH_TITLES: dict[int, str] = {
    400: "Ongeldig verzoek",
    401: "Niet aangemeld",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    406: "Gevraagd formaat niet beschikbaar",
    409: "Conflict met de huidige toestand",
    412: "Voorwaarde niet vervuld",
    413: "Verzoek te groot",
    415: "Formaat niet ondersteund",
    422: "Ongeldige invoer",
    428: "Versie vereist",
    429: "Te veel verzoeken",
    500: "Interne fout",
    503: "Dienst niet beschikbaar",
}

# Dutch reasons for pydantic's error types; anything else reads "is ongeldig".
DUTCH_REASONS: dict[str, str] = {
    "missing": "is verplicht",
    "string_pattern_mismatch": "heeft niet het juiste formaat",
    "string_too_short": "is te kort",
    "string_too_long": "is te lang",
    "string_type": "moet tekst zijn",
    "int_parsing": "moet een geheel getal zijn",
    "int_type": "moet een geheel getal zijn",
    "float_parsing": "moet een getal zijn",
    "bool_parsing": "moet ja of nee zijn",
    "date_from_datetime_parsing": "moet een datum zijn (jjjj-mm-dd)",
    "date_parsing": "moet een datum zijn (jjjj-mm-dd)",
    "date_type": "moet een datum zijn (jjjj-mm-dd)",
    "datetime_parsing": "moet een datum en tijd zijn",
    "datetime_from_date_parsing": "moet een datum en tijd zijn",
    "enum": "heeft geen toegestane waarde",
    "literal_error": "heeft geen toegestane waarde",
    "uuid_parsing": "is geen geldige id",
    "uuid_type": "is geen geldige id",
    "greater_than_equal": "is te klein",
    "greater_than": "is te klein",
    "less_than_equal": "is te groot",
    "less_than": "is te groot",
    "extra_forbidden": "is onbekend",
    "json_invalid": "is geen geldige JSON",
    "model_attributes_type": "heeft niet de juiste vorm",
    "dict_type": "heeft niet de juiste vorm",
    "list_type": "moet een lijst zijn",
    "too_long": "bevat te veel elementen",
    "too_short": "bevat te weinig elementen",
}


class InvalidParam(BaseModel):
    name: str = Field(description="Het veld dat niet klopt.")
    reason: str = Field(description="Wat er niet klopt, in het Nederlands.")
    code: str | None = Field(default=None, description="Soort fout (machineleesbaar).")


class ProblemDetails(BaseModel):
    """Een foutmelding volgens RFC 9457 (application/problem+json)."""

    type: str = Field(description="URI van het soort probleem.")
    title: str = Field(description="Korte omschrijving in het Nederlands.")
    status: int = Field(description="HTTP-statuscode.")
    detail: str = Field(description="Uitleg in het Nederlands.")
    instance: str = Field(description="Het pad van het verzoek.")
    invalidParams: list[InvalidParam] | None = Field(
        default=None, description="De velden die niet kloppen."
    )


# What the optimistic concurrency answers mean (ontour.web.api.expected_version, conflict),
# for the operations that take a version: those that document its 428.
VERSION_ANSWERS: dict[int, dict[str, Any]] = {
    409: {
        "description": "Conflict met de huidige toestand, zoals een versie (If-Match of "
        "version) die niet meer de huidige is: haal die op en probeer het opnieuw.",
        "headers": {
            "ETag": {
                "description": 'De huidige versie, bij een verouderde versie: "3".',
                "schema": {"type": "string", "pattern": r'^"[0-9]+"$'},
            }
        },
    },
    428: {
        "description": "Versie vereist: geef de versie mee waarop de wijziging is gebaseerd "
        '(If-Match: "3" of version), zodat niemands wijziging ongemerkt wordt overschreven.'
    },
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error statuses, documented as problem+json."""
    schema = {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
    versioned = 428 in statuses
    return {
        status: {
            "description": DUTCH_TITLES.get(status, ""),
            **(VERSION_ANSWERS.get(status, {}) if versioned else {}),
            "model": ProblemDetails,
            "content": {PROBLEM_JSON: schema},
        }
        for status in statuses
    }


class Problem(Exception):
    """Raise from any endpoint to answer with a problem+json document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        invalid_params: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or DUTCH_TITLES.get(status, HTTPStatus(status).phrase)
        self.invalid_params = invalid_params or []
        self.headers = headers


def invalid(field: str, reason: str) -> Problem:
    """A 422 for one field, e.g. ``raise invalid("held_on", "ligt in de toekomst")``."""
    return Problem(422, f"{field}: {reason}", invalid_params=[{"name": field, "reason": reason}])


def validation_problem(errors: Sequence[Any]) -> Problem:
    """A 422 naming every invalid field in Dutch, from pydantic's (or FastAPI's) errors; a
    400 when the body is no JSON at all (malformed input, not an invalid value)."""
    if any(err.get("type") == "json_invalid" for err in errors):
        return Problem(400, "De inhoud van het verzoek is geen geldige JSON.")
    params = [
        {
            "name": _field_name(tuple(err.get("loc", ()))),
            "code": str(err.get("type", "invalid")),
            "reason": DUTCH_REASONS.get(str(err.get("type")), "is ongeldig"),
        }
        for err in errors
    ]
    detail = "; ".join(f"{p['name']} {p['reason']}" for p in params)
    return Problem(422, detail, invalid_params=params)


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    invalid_params: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    title = title or DUTCH_TITLES.get(status, HTTPStatus(status).phrase)
    if _wants_html(request):
        if status == 401 and request.method == "GET":
            # A page asks for sign-in instead: back here afterwards.
            query = f"?{request.url.query}" if request.url.query else ""
            target = quote(request.url.path + query)
            return RedirectResponse(f"/aanmelden?terug={target}", status_code=303)
        error_page = getattr(request.app.state, "error_page", None)
        if error_page is not None:
            page: Response = error_page(request, status, title, detail)
            page.headers.update(headers or {})  # e.g. a 405's Allow, a 429's Retry-After
            return page
    body = problem_document(status, detail, request.url.path, title=title)
    if invalid_params:
        body["invalidParams"] = invalid_params
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def answer(request: Request, problem: Problem) -> Response:
    """The response to a raised (or returned) :class:`Problem`."""
    return problem_response(
        request,
        problem.status,
        problem.detail,
        title=problem.title,
        invalid_params=problem.invalid_params,
        headers=problem.headers,
    )


def problem_document(
    status: int, detail: str, path: str, *, title: str | None = None
) -> dict[str, Any]:
    """The problem+json body (also for pure ASGI middleware, which has no request); the
    path as ``instance`` without its secrets."""
    return {
        "type": "about:blank",
        "title": title or DUTCH_TITLES.get(status, HTTPStatus(status).phrase),
        "status": status,
        "detail": detail,
        "instance": redact_path(path),
    }


@functools.lru_cache(maxsize=1024)
def _path_pattern(path: str) -> re.Pattern[str]:
    return compile_path(path)[0]


def allowed_methods(app: Any, path: str) -> list[str]:
    """Every method some route of ``app`` serves on ``path`` (for a 405's ``Allow``).

    Starlette names only the first route whose path matches, while FastAPI declares each
    method of a path as a route of its own (GET and POST of a form page)."""
    allowed: set[str] = set()
    for context in iter_route_contexts(app.routes):
        methods, template = context.methods, context.path
        if methods and template and _path_pattern(template).match(path):
            allowed |= methods
    return sorted(allowed)


def _wants_html(request: Request) -> bool:
    """A browser asking for a page (not an API client): it gets HTML, not problem+json."""
    return "text/html" in request.headers.get("accept", "") and "/api/" not in request.url.path


def _field_name(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _only_if_match_missing(errors: Sequence[Any]) -> bool:
    """A request that is fine but for its version: 428 Precondition Required (RFC 6585)."""
    return bool(errors) and all(
        err.get("type") == "missing" and tuple(err.get("loc", ())) == ("header", "if-match")
        for err in errors
    )


def outage_response(request: Request, part: str, error: BaseException) -> Response:
    """503 with Retry-After: the request needs ``part``, which is away for the moment."""
    log.warning(
        "dependency unavailable",
        path=redact_path(request.url.path),
        part=part,
        error=error.__class__.__name__,
    )
    return problem_response(
        request,
        503,
        f"{part[0].upper()}{part[1:]} is even niet bereikbaar. Probeer het over "
        f"{RETRY_AFTER_OUTAGE_SECONDS} seconden opnieuw.",
        headers={"Retry-After": str(RETRY_AFTER_OUTAGE_SECONDS)},
    )


def install_problem_handlers(app: FastAPI) -> None:
    async def on_driver_error(request: Request, exc: Exception) -> Response:
        part = unavailable_part(exc)
        if part is None:
            raise exc  # not an outage: the unexpected-error handler below answers 500
        return outage_response(request, part, exc)

    for kind in OUTAGE_BASES:
        app.add_exception_handler(kind, on_driver_error)

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return answer(request, exc)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        if _only_if_match_missing(exc.errors()):  # a required If-Match (api.RequiredIfMatch)
            return problem_response(
                request,
                428,
                "Geef in If-Match de versie mee waarop de wijziging is gebaseerd, zodat "
                "niemands wijziging ongemerkt wordt overschreven.",
            )
        problem = validation_problem(exc.errors())
        return problem_response(
            request, problem.status, problem.detail, invalid_params=problem.invalid_params
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = (
            exc.detail if isinstance(exc.detail, str) else DUTCH_TITLES.get(exc.status_code, "")
        )
        if exc.status_code == 404 and detail == "Not Found":
            detail = "Deze bron bestaat niet."
        elif exc.status_code == 405 and detail == "Method Not Allowed":
            detail = "Deze methode is hier niet toegestaan."
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            allowed = allowed_methods(request.app, request.url.path)
            if allowed:
                headers["Allow"] = ", ".join(allowed)
        return problem_response(request, exc.status_code, detail, headers=headers or None)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> Response:
        part = unavailable_part(exc)  # raised in a middleware (sessions live in NATS)
        if part is not None:
            return outage_response(request, part, exc)
        log.error(
            "unhandled error", path=redact_path(request.url.path), error=exc.__class__.__name__
        )
        return problem_response(
            request, 500, "Er ging iets mis aan onze kant. Probeer het later opnieuw."
        )
