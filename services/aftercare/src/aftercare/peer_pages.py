"""The coordinator's page for one peer profile: a new one (for a teamlid, from planning's
teamleden page) or a change. Each request calls a use case of :mod:`aftercare.usecases.peers`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from ontour.i18n import N_
from ontour.service import SessionsDep
from ontour.web.api import CallerDep
from ontour.web.forms import FormState
from ontour.web.problems import Problem
from pydantic import ValidationError

from aftercare.domain.vocabulary import Gender, IncidentCategory, PeerBackground
from aftercare.models import PeerRow
from aftercare.pages import InMenu, pages
from aftercare.schemas import PeerIn
from aftercare.usecases import peers

router = APIRouter(include_in_schema=False)
LISTS = ["expertise"]
CODE_LISTS = ("organisation_codes", "conflict_codes", "regions")
LABELS = {
    "name": N_("Name"),
    "background": N_("Background"),
    "gender": N_("Gender"),
    "capacity": N_("At most this many open cases"),
    "organisation_codes": N_("Own organisations"),
    "conflict_codes": N_("Conflicts of interest"),
    "regions": N_("Regions (provinces)"),
    "languages": N_("Languages"),
}


def _options(enum: Any) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in enum]


def _profile(form: FormState, peer_id: str) -> dict[str, Any]:
    return {
        "id": peer_id,
        "name": str(form.value("name")).strip() or None,
        "background": form.value("background") or None,
        "gender": form.value("gender") or None,
        "capacity": form.value("capacity") or None,
        "available": form.value("available") != "nee",
        "expertise": form.selected("expertise"),
        "languages": [word.lower() for word in form.words("languages")],
        **{name: [word.upper() for word in form.words(name)] for name in CODE_LISTS},
    }


def _form_of(row: PeerRow) -> FormState:
    values: dict[str, Any] = {
        "name": row.name,
        "background": row.background,
        "gender": row.gender,
        "capacity": row.capacity,
        "available": "ja" if row.available else "nee",
        "expertise": list(row.expertise),
        "languages": ", ".join(row.languages),
        "version": row.version,
    }
    return FormState(values | {name: ", ".join(getattr(row, name)) for name in CODE_LISTS})


def _render(
    request: Request, peer_id: str, form: FormState, exists: bool, status_code: int = 200
) -> HTMLResponse:
    context = {
        "peer_id": peer_id,
        "form": form,
        "exists": exists,
        "backgrounds": _options(PeerBackground),
        "genders": _options(Gender),
        "incidents": _options(IncidentCategory),
    }
    return pages.render(request, "aftercare/peer.html", context, status_code=status_code)


@router.get("/peers/{peer_id}", response_class=HTMLResponse, dependencies=InMenu)
async def peer_page(
    request: Request, peer_id: str, sessions: SessionsDep, caller: CallerDep
) -> HTMLResponse:
    row = await peers.profile_to_change(sessions, caller, peer_id)
    if row is not None:
        return _render(request, peer_id, _form_of(row), True)
    # Not a peer yet: a new profile, the name as planning knows it (given in the link).
    name = request.query_params.get("naam", "")
    new = {"name": name, "capacity": 3, "available": "ja", "languages": "nl", "expertise": []}
    return _render(request, peer_id, FormState(new), False)


@router.post("/peers/{peer_id}", response_class=HTMLResponse, dependencies=InMenu)
async def save_peer(
    request: Request, peer_id: str, sessions: SessionsDep, caller: CallerDep
) -> Response:
    form = await FormState.from_request(request, lists=LISTS)
    exists = bool(form.value("version"))
    try:
        body = PeerIn.model_validate(_profile(form, peer_id))
    except ValidationError as error:
        labels = {name: pages.gettext(label) for name, label in LABELS.items()}
        return _render(request, peer_id, form.with_field_errors(error, labels), exists, 422)
    values = body.model_dump(mode="json")
    if exists:
        values.pop("id")
        await peers.update_peer(sessions, caller, peer_id, values, expected_version=form.version())
    else:
        try:
            await peers.create_peer(sessions, caller, values)
        except peers.Taken:
            raise Problem(409, f"Er is al een peer met id {peer_id}.") from None
    return RedirectResponse(f"/aftercare/peers#peer-{peer_id}", 303)
