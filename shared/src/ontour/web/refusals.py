"""A use case's refusals (:mod:`ontour.application.errors`) as problem+json, the same for
every service: an endpoint lets them pass and this answers them."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from ontour.application.errors import Conflict, Forbidden, NotFound, Refused, VersionConflict
from ontour.web.api import conflict
from ontour.web.problems import Problem, answer, invalid

Refusal = NotFound | Forbidden | VersionConflict | Conflict | Refused


def problem_of(error: Refusal) -> Problem:
    """404 for what does not exist, 403 for what the caller may not do, 409 with the current
    version (ETag) for a stale one, 409 in its own words for a conflict, 422 naming the field
    for refused input and 409 for a step the current state refuses."""
    if isinstance(error, NotFound):
        return Problem(404, error.detail)
    if isinstance(error, Forbidden):
        return Problem(403, error.detail)
    if isinstance(error, VersionConflict):
        return conflict(error.current)
    if isinstance(error, Conflict):
        return Problem(409, error.detail)
    if error.field is None:
        return Problem(409, f"Dit kan niet: {error.detail}.")
    if not error.reasons:
        return invalid(error.field, error.detail)
    return Problem(
        422,
        error.detail,
        invalid_params=[{"name": error.field, "reason": reason} for reason in error.reasons],
    )


def install_refusal_handlers(app: FastAPI) -> None:
    async def on_refusal(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)  # registered for these
        return answer(request, problem_of(exc))

    for refusal in (NotFound, Forbidden, VersionConflict, Conflict, Refused):
        app.add_exception_handler(refusal, on_refusal)
