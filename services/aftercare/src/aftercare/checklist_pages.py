"""The coordinator's page of the case page's checklists: per stage the list the peer sees,
to replace (one item per line) or to empty (the default comes back). Each request calls a
use case of :mod:`aftercare.usecases.checklists`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from ontour.application.errors import Refused
from ontour.service import SessionsDep
from ontour.web.api import CallerDep
from ontour.web.forms import FormState
from ontour.web.problems import Problem

from aftercare.domain.checklist import DEFAULTS, STAGES, checklist
from aftercare.domain.vocabulary import CaseStatus
from aftercare.pages import InMenu, pages
from aftercare.usecases import checklists

router = APIRouter(include_in_schema=False)


async def _render(
    request: Request, sessions: Any, failed: tuple[str, FormState] | None = None
) -> HTMLResponse:
    own = await checklists.overrides(sessions)
    stages = [
        {
            "stage": stage.value,
            "lines": checklist(stage, {k: row.items for k, row in own.items()}),
            "default": DEFAULTS[stage],
            "changed": own.get(stage.value),
            "form": failed[1] if failed and failed[0] == stage.value else None,
        }
        for stage in STAGES
    ]
    context = {"stages": stages}
    return pages.render(request, "aftercare/checklists.html", context,
                        status_code=422 if failed else 200)  # fmt: skip


@router.get("/checklists", response_class=HTMLResponse, dependencies=InMenu)
async def checklists_page(request: Request, sessions: SessionsDep) -> HTMLResponse:
    return await _render(request, sessions)


@router.post("/checklists", response_class=HTMLResponse, dependencies=InMenu)
async def change_checklist(request: Request, sessions: SessionsDep, caller: CallerDep) -> Response:
    form = await FormState.from_request(request)
    try:
        stage = CaseStatus(str(form.value("stage")))
    except ValueError:
        raise Problem(422, "Kies een geldige fase.") from None
    try:
        await checklists.change_checklist(sessions, caller, stage, str(form.value("items")))
    except Refused as refused:
        failed = FormState(form.values, {"items": f"Checklist: {refused.detail}"})
        return await _render(request, sessions, (stage.value, failed))
    return RedirectResponse(f"/aftercare/checklists#fase-{STAGES.index(stage)}", 303)
