"""The coordinator's teamleden pages: the team with its availability at a glance, a new
teamlid, changing a profile and taking a teamlid out of the planning (or back in).

Each page calls a use case of :mod:`scheduling.usecases.teamleden`, nothing else. A
teamlid's peer profile belongs to aftercare: the pages link to it, they do not read it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from ontour.application.errors import Conflict
from ontour.clock import today
from ontour.i18n import N_
from ontour.service import SessionsDep
from ontour.web.api import CallerDep
from ontour.web.forms import FormState
from pydantic import ValidationError

from scheduling.domain.model import Background
from scheduling.models import TeamlidRow
from scheduling.pages import WEEKDAYS, dates_from_text, pages
from scheduling.schemas import TeamlidIn
from scheduling.usecases import teamleden

router = APIRouter(include_in_schema=False)
LISTS = ["preferred_weekdays"]
BACKGROUNDS = [(b.value, b.value) for b in Background]
LABELS = {
    "id": N_("Sign-in name"),
    "name": N_("Name"),
    "background": N_("Background"),
    "gender": N_("Gender"),
    "home_lat": N_("Home: latitude"),
    "home_lon": N_("Home: longitude"),
    "max_per_week": N_("At most per week"),
    "max_per_month": N_("At most per month"),
    "languages": N_("Languages"),
    "excluded_organisations": N_("Conflicts of interest"),
    "unavailable_dates": N_("Dates this teamlid cannot"),
}


def _decimal(text: Any) -> str | None:
    """A number as the user typed it, with a Dutch decimal comma or a point."""
    typed = str(text or "").strip()
    return typed.replace(",", ".") if typed else None


def _profile(form: FormState, teamlid_id: str | None) -> dict[str, Any]:
    return {
        "id": teamlid_id if teamlid_id is not None else (str(form.value("id")).strip() or None),
        "name": str(form.value("name")).strip() or None,
        "background": form.value("background") or None,
        "gender": str(form.value("gender")).strip() or None,
        "home_lat": _decimal(form.value("home_lat")),
        "home_lon": _decimal(form.value("home_lon")),
        "max_per_week": form.value("max_per_week") or None,
        "max_per_month": form.value("max_per_month") or None,
        "languages": [word.lower() for word in form.words("languages")],
        "excluded_organisations": [word.upper() for word in form.words("excluded_organisations")],
        "preferred_weekdays": form.selected("preferred_weekdays"),
    }


def _labels() -> dict[str, str]:
    return {name: pages.gettext(label) for name, label in LABELS.items()}


def _errors(form: FormState, error: ValueError) -> FormState:
    """Errors per form field (a date that cannot be read is not a validation error)."""
    if not isinstance(error, ValidationError):
        reason = pages.gettext(N_("write each date as 24-12-2026 or 2026-12-24"))
        label = _labels()["unavailable_dates"]
        return FormState(form.values, {"unavailable_dates": f"{label}: {reason}"})
    return form.with_field_errors(error, _labels())


def _form_of(row: TeamlidRow) -> FormState:
    return FormState(
        {
            "name": row.name,
            "background": row.background,
            "gender": row.gender or "",
            "home_lat": f"{row.home_lat:.4f}".replace(".", ","),
            "home_lon": f"{row.home_lon:.4f}".replace(".", ","),
            "max_per_week": row.max_per_week,
            "max_per_month": row.max_per_month,
            "languages": ", ".join(row.languages),
            "excluded_organisations": ", ".join(row.excluded_organisations),
            "preferred_weekdays": list(row.preferred_weekdays),
            "unavailable_dates": "\n".join(d.strftime("%d-%m-%Y") for d in row.unavailable_dates),
            "version": row.version,
        }
    )


def _render_form(
    request: Request, form: FormState, row: TeamlidRow | None, status_code: int = 200
) -> HTMLResponse:
    return pages.render(
        request,
        "scheduling/teamlid.html",
        {"form": form, "row": row, "weekdays": WEEKDAYS, "backgrounds": BACKGROUNDS},
        status_code=status_code,
    )


@router.get("/teamleden", response_class=HTMLResponse)
async def team(request: Request, database: SessionsDep, caller: CallerDep) -> HTMLResponse:
    rows = await teamleden.team(database, caller)
    return pages.render(request, "scheduling/teamleden.html", {"rows": rows, "today": today()})


@router.get("/teamleden/nieuw", response_class=HTMLResponse)
async def new_form(request: Request) -> HTMLResponse:
    form = FormState({"max_per_week": 2, "max_per_month": 6, "languages": "nl"})
    return _render_form(request, form, None)


@router.post("/teamleden", response_class=HTMLResponse)
async def create(request: Request, database: SessionsDep, caller: CallerDep) -> Response:
    form = await FormState.from_request(request, lists=LISTS)
    try:
        body = TeamlidIn.model_validate(_profile(form, None))
    except ValidationError as error:
        return _render_form(request, _errors(form, error), None, 422)
    try:
        await teamleden.create(database, caller, body.model_dump())
    except Conflict as taken:
        return _render_form(request, FormState(form.values, {"id": str(taken)}), None, 422)
    return RedirectResponse(f"/scheduling/teamleden?opgeslagen={body.id}", 303)


@router.get("/teamleden/{teamlid_id}", response_class=HTMLResponse)
async def edit_form(
    request: Request, teamlid_id: str, database: SessionsDep, caller: CallerDep
) -> HTMLResponse:
    row = await teamleden.read(database, caller, teamlid_id)
    return _render_form(request, _form_of(row), row)


@router.post("/teamleden/{teamlid_id}", response_class=HTMLResponse)
async def update(
    request: Request, teamlid_id: str, database: SessionsDep, caller: CallerDep
) -> Response:
    form = await FormState.from_request(request, lists=LISTS)
    version = form.version()
    try:
        body = TeamlidIn.model_validate(_profile(form, teamlid_id))
        dates = sorted(set(dates_from_text(str(form.value("unavailable_dates")))))
    except ValueError as error:
        row = await teamleden.read(database, caller, teamlid_id)
        return _render_form(request, _errors(form, error), row, 422)
    values = body.model_dump(exclude={"id", "active"}) | {"unavailable_dates": dates}
    await teamleden.update(database, caller, teamlid_id, values, expected_version=version)
    return RedirectResponse(f"/scheduling/teamleden?opgeslagen={teamlid_id}", 303)


@router.post("/teamleden/{teamlid_id}/deelname", response_class=HTMLResponse)
async def take_part(
    request: Request, teamlid_id: str, database: SessionsDep, caller: CallerDep
) -> Response:
    """Deactivate ("nee") or reactivate ("ja") a teamlid for the planning."""
    form = await FormState.from_request(request)
    active = form.value("active") == "ja"
    await teamleden.set_active(
        database, caller, teamlid_id, active, expected_version=form.version()
    )
    return RedirectResponse(f"/scheduling/teamleden?opgeslagen={teamlid_id}", 303)
