"""Recording a follow-up step from a page: the peer or coordinator on the case page, the
requester on their status page (no account: the link's secret is the key). Both forms work
without JavaScript; a wrong entry comes back with the errors in Dutch, nothing saved."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from ontour.application.errors import Refused
from ontour.i18n import N_
from ontour.service import SessionsDep
from ontour.web.api import CallerDep, CipherDep
from ontour.web.forms import FormState
from ontour.web.problems import Problem
from pydantic import ValidationError

from aftercare import views
from aftercare.dependencies import case_keys
from aftercare.pages import DEAD_LINK, pages
from aftercare.step_schemas import VervolgstapIn
from aftercare.usecases import steps

router = APIRouter(include_in_schema=False)
LABELS = {
    "kind": N_("Which step?"),
    "status": N_("Where does it stand?"),
    "reason": N_("Why was it let go?"),
    "registration_number": N_("Registration number of the police report"),
}


def _entered(form: FormState) -> dict[str, Any]:
    return {name: form.value(name) or None for name in LABELS}


async def _recorded(
    request: Request, action: str, back: str, requester: bool, record: Any
) -> Response:
    """Validate the form, record it with ``record`` (given the body); the form again with
    its errors (422), or back to ``back``."""
    form = await FormState.from_request(request)
    labels = {name: pages.gettext(label) for name, label in LABELS.items()}
    try:
        await record(VervolgstapIn.model_validate(_entered(form)))
    except ValidationError as error:
        failed = form.with_errors(error, labels)
    except Refused as refused:
        if refused.field is None:
            raise
        failed = FormState(form.values, {refused.field: f"{labels[refused.field]}: "
                                                        f"{refused.detail}"})  # fmt: skip
    else:
        return RedirectResponse(f"{back}#vervolgstappen", 303)
    context = {"form": failed, "action": action, "back": back,
               "step_choices": views.step_choices(requester=requester)}  # fmt: skip
    return pages.render(request, "aftercare/steps_form.html", context, status_code=422)


@router.post("/verzoeken/{case_id}/vervolgstappen/vastleggen", response_class=HTMLResponse)
async def record_on_case_page(
    request: Request, case_id: uuid.UUID, sessions: SessionsDep, caller: CallerDep,
    cipher: CipherDep,
) -> Response:  # fmt: skip
    async def record(body: VervolgstapIn) -> None:
        await views.record_step(sessions, request, caller, cipher, case_id, body)

    action = f"/aftercare/verzoeken/{case_id}/vervolgstappen/vastleggen"
    return await _recorded(request, action, f"/aftercare/verzoeken/{case_id}", False, record)


@router.post("/status/{token}/vervolgstappen", response_class=HTMLResponse)
async def record_on_status_page(
    request: Request, token: str, sessions: SessionsDep, cipher: CipherDep
) -> Response:
    async def record(body: VervolgstapIn) -> None:
        keys = await case_keys(request)
        given = views.step_input(body)
        if not await steps.record_step_by_status_link(sessions, cipher, keys, token, given):
            raise Problem(404, DEAD_LINK)

    action = f"/aftercare/status/{token}/vervolgstappen"
    return await _recorded(request, action, f"/aftercare/status/{token}", True, record)
