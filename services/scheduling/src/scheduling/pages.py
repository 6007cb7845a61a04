"""Scheduling's Dutch pages: the requests inbox, planner runs, the agenda, sessions by
province, a session with its outcome form, "mijn agenda" and "mijn beschikbaarheid".

Plain HTML forms (no JavaScript needed); a running planner round is followed with a
"vernieuwen" link. Writes go through the same code as the API.
"""

from __future__ import annotations

import calendar
import uuid
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from ontour.auth.principal import Principal
from ontour.clock import today
from ontour.contracts.scheduling import VervolgWens
from ontour.db import Sessions
from ontour.i18n import N_
from ontour.service import SessionsDep
from ontour.web.api import CallerDep, PrincipalDep, is_coordinator
from ontour.web.forms import FormState
from ontour.web.problems import Problem
from ontour.web.rendering import PageRenderer
from pydantic import ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession

from scheduling import repository, views
from scheduling.dependencies import SettingsDep
from scheduling.domain.model import Weekday
from scheduling.schemas import Beschikbaarheid, PlanningStart, SessieWijziging, Uitkomst
from scheduling.usecases import planning, sessions

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
LOCALE = HERE / "locale"
pages = PageRenderer("scheduling", TEMPLATES, LOCALE)
router = APIRouter(include_in_schema=False)
WEEKDAYS = [(day.label, day.label) for day in Weekday]
WISHES = [(wish.value, wish.value) for wish in VervolgWens]


async def _names(db: AsyncSession) -> dict[str, str]:
    return {m.id: m.name for m in await repository.teamleden(db)}


def dates_from_text(text: str) -> list[date]:
    """Dates typed one per line (or separated by commas): 2026-12-24 or 24-12-2026."""
    found = []
    for part in text.replace(",", "\n").split():
        part = part.strip()
        if not part:
            continue
        if len(part) == 10 and part[2] == "-":
            day, month, year = part.split("-")
            part = f"{year}-{month}-{day}"
        found.append(date.fromisoformat(part))
    return found


# --- inbox and planner runs ----------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def inbox(request: Request, database: SessionsDep) -> HTMLResponse:
    async with database() as db:
        rows = await repository.open_requests(db)
        places = await repository.organisations(db, {r.organisation_code for r in rows})
        runs = await repository.recent_runs(db, limit=5)
    return pages.render(
        request,
        "scheduling/inbox.html",
        {"requests": rows, "places": places, "runs": runs, "form": FormState()},
    )


@router.post("/planningen", response_class=HTMLResponse)
async def start_run(
    request: Request, database: SessionsDep, caller: CallerDep, settings: SettingsDep
) -> Response:
    form = await FormState.from_request(request)
    limit = str(form.value("time_limit_seconds") or "").strip()
    try:
        body = PlanningStart(
            time_limit_seconds=float(limit) if limit else None,
            replan=form.value("replan") == "ja",
        )
    except (ValueError, ValidationError):
        message = pages.gettext(N_("Give a time limit between 1 and 600 seconds."))
        async with database() as db:
            rows = await repository.open_requests(db)
            places = await repository.organisations(db)
            runs = await repository.recent_runs(db, limit=5)
        return pages.render(
            request,
            "scheduling/inbox.html",
            {
                "requests": rows,
                "places": places,
                "runs": runs,
                "form": FormState(form.values, {"time_limit_seconds": message}),
            },
            status_code=422,
        )
    run = await views.start_run(body, database, caller, settings, request)
    return RedirectResponse(f"/scheduling/planningen/{run.id}", 303)


@router.get("/planningen/{run_id}", response_class=HTMLResponse)
async def run_page(request: Request, run_id: uuid.UUID, database: SessionsDep) -> HTMLResponse:
    run = views.public(await views.run_or_404(database, run_id))
    return pages.render(request, "scheduling/planning.html", {"run": run})


@router.post("/planningen/{run_id}/annulering", response_class=HTMLResponse)
async def cancel_run(request: Request, run_id: uuid.UUID, database: SessionsDep) -> Response:
    await planning.cancel(database, views.running_runs(request), run_id)
    return RedirectResponse(f"/scheduling/planningen/{run_id}", 303)


@router.post("/planningen/{run_id}/overname", response_class=HTMLResponse)
async def adopt_run(
    run_id: uuid.UUID, database: SessionsDep, caller: CallerDep, settings: SettingsDep
) -> Response:
    proposed = await planning.adopt(database, caller, settings, run_id)
    # To the month of the first proposal: that is where the coordinator reviews them.
    month = min((s.on for s in proposed), default=today()).strftime("%Y-%m")
    return RedirectResponse(f"/scheduling/agenda?status=voorgesteld&maand={month}", 303)


# --- agenda and sessions -------------------------------------------------------------------------


def _month(text: str | None) -> date:
    if text:
        try:
            return date.fromisoformat(f"{text}-01")
        except ValueError:
            raise Problem(422, "Kies een maand als jjjj-mm, bijvoorbeeld 2026-12.") from None
    return today().replace(day=1)


@router.get("/agenda", response_class=HTMLResponse)
async def agenda(
    request: Request,
    database: SessionsDep,
    maand: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$")] = None,
    weergave: Annotated[str, Query(pattern="^(maand|week)$")] = "maand",
    week: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    status: Annotated[str | None, Query(pattern="^(voorgesteld|bevestigd|gehouden)$")] = None,
) -> HTMLResponse:
    first = _month(maand)
    if weergave == "week":
        monday = date.fromisoformat(week) if week else today()
        monday -= timedelta(days=monday.weekday())
        start, end = monday, monday + timedelta(days=6)
    else:
        start = first
        end = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    statuses = [status] if status else ["voorgesteld", "bevestigd", "gehouden"]
    async with database() as db:
        rows = await repository.sessions_with_status(db, statuses, start=start, end=end)
        places = await repository.organisations(db, {r.organisation_code for r in rows})
        names = await _names(db)
    by_day: dict[date, list[Any]] = defaultdict(list)
    for row in rows:
        by_day[row.on].append(row)
    weeks = calendar.Calendar().monthdatescalendar(first.year, first.month)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return pages.render(
        request,
        "scheduling/agenda.html",
        {
            "view": weergave,
            "first": first,
            "weeks": weeks,
            "start": start,
            "end": end,
            "days": [start + timedelta(days=i) for i in range((end - start).days + 1)],
            "by_day": by_day,
            "places": places,
            "names": names,
            "previous": previous.strftime("%Y-%m"),
            "following": following.strftime("%Y-%m"),
            "previous_week": (start - timedelta(days=7)).isoformat(),
            "next_week": (start + timedelta(days=7)).isoformat(),
            "status": status or "",
        },
    )


@router.get("/sessies", response_class=HTMLResponse)
async def sessions_by_province(request: Request, database: SessionsDep) -> HTMLResponse:
    async with database() as db:
        rows = await repository.sessions_with_status(db, ["voorgesteld", "bevestigd", "gehouden"])
        places = await repository.organisations(db)
    provinces = {code: p.name or code for code, p in places.items() if code.startswith("PV")}
    grouped: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        place = places.get(row.organisation_code)
        grouped[(place.province_code if place else None) or "?"].append(row)
    return pages.render(
        request,
        "scheduling/sessies.html",
        {
            "groups": sorted(grouped.items(), key=lambda g: provinces.get(g[0], g[0])),
            "provinces": provinces,
            "places": places,
        },
    )


async def _session_page(
    request: Request, session_id: uuid.UUID, database: Sessions, principal: Principal,
    form: FormState | None = None, status_code: int = 200, change: FormState | None = None,
) -> HTMLResponse:  # fmt: skip
    async with database() as db:
        row = await repository.get_session(db, session_id)
        if row is None:
            raise Problem(404, "Deze sessie bestaat niet.")
        places = await repository.organisations(db, {row.organisation_code})
        names = await _names(db)
        team = [(m.id, m.name) for m in await repository.teamleden(db, active_only=True)]
    change_form = change or FormState(
        {
            "on": row.on.isoformat(),
            "members": list(row.members),
            "starts_at": row.starts_at.strftime("%H:%M"),
            "ends_at": row.ends_at.strftime("%H:%M"),
            "location": row.location or "",
        }
    )
    return pages.render(
        request,
        "scheduling/sessie.html",
        {
            "row": row,
            "place": places.get(row.organisation_code),
            "team_names": [names.get(m, m) for m in row.members],
            "form": form or FormState({"follow_up_wishes": []}),
            "wishes": WISHES,
            "may_record": is_coordinator(principal) or principal.subject in row.members,
            "change": change_form,
            "team": team,
        },
        status_code=status_code,
    )


@router.get("/sessies/{session_id}", response_class=HTMLResponse)
async def session_page(
    request: Request, session_id: uuid.UUID, database: SessionsDep, principal: PrincipalDep
) -> HTMLResponse:
    return await _session_page(request, session_id, database, principal)


async def _version(request: Request) -> int:
    return (await FormState.from_request(request)).version()


@router.post("/sessies/{session_id}/bevestiging", response_class=HTMLResponse)
async def confirm(
    request: Request, session_id: uuid.UUID, database: SessionsDep, caller: CallerDep
) -> Response:
    expected = await _version(request)
    await sessions.confirm(database, caller, session_id, expected_version=expected)
    return RedirectResponse(f"/scheduling/sessies/{session_id}", 303)


@router.post("/sessies/{session_id}/wijzigen", response_class=HTMLResponse)
async def change_session(
    request: Request,
    session_id: uuid.UUID,
    database: SessionsDep,
    principal: PrincipalDep,
    caller: CallerDep,
    settings: SettingsDep,
) -> Response:
    form = await FormState.from_request(request, lists=["members"])
    labels = {
        "on": pages.gettext(N_("Date")),
        "members": pages.gettext(N_("Team")),
        "starts_at": pages.gettext(N_("Start time")),
        "ends_at": pages.gettext(N_("End time")),
        "location": pages.gettext(N_("Location")),
    }
    try:
        body = SessieWijziging.model_validate(
            {
                "on": form.value("on") or None,
                "members": form.selected("members"),
                "starts_at": form.value("starts_at") or None,
                "ends_at": form.value("ends_at") or None,
                "location": form.value("location") or None,
                "version": form.value("version") or None,
            }
        )
    except ValidationError as error:
        failed = form.with_errors(error, labels)
        return await _session_page(
            request, session_id, database, principal, status_code=422, change=failed
        )
    try:
        await views.change_session(database, caller, settings, session_id, body)
    except sessions.RulesBroken as refusal:
        failed = FormState(form.values, {"on": " ".join(refusal.reasons)})
        return await _session_page(
            request, session_id, database, principal, status_code=422, change=failed
        )
    return RedirectResponse(f"/scheduling/sessies/{session_id}", 303)


@router.post("/sessies/{session_id}/annulering", response_class=HTMLResponse)
async def cancel(
    request: Request, session_id: uuid.UUID, database: SessionsDep, caller: CallerDep
) -> Response:
    expected = await _version(request)
    await sessions.cancel(database, caller, session_id, expected_version=expected)
    return RedirectResponse(f"/scheduling/sessies/{session_id}", 303)


@router.post("/sessies/{session_id}/uitkomst", response_class=HTMLResponse)
async def outcome(
    request: Request,
    session_id: uuid.UUID,
    database: SessionsDep,
    principal: PrincipalDep,
    caller: CallerDep,
) -> Response:
    form = await FormState.from_request(request, lists=["follow_up_wishes"])
    values = {
        "participants": form.value("participants") or None,
        "evaluation_score": form.value("evaluation_score") or None,
        "evaluation_remarks": form.value("evaluation_remarks") or None,
        "follow_up_wishes": form.selected("follow_up_wishes"),
        "version": form.value("version") or None,
    }
    try:
        body = Uitkomst.model_validate(values)
    except ValidationError as error:
        labels = {
            "participants": pages.gettext(N_("Number of participants")),
            "evaluation_score": pages.gettext(N_("Evaluation score (1-10)")),
        }
        form = form.with_errors(error, labels)
        return await _session_page(request, session_id, database, principal, form, 422)
    await views.record_outcome(database, caller, session_id, body)
    return RedirectResponse(f"/scheduling/sessies/{session_id}", 303)


# --- mijn agenda, mijn beschikbaarheid -------------------------------------------------------


async def _my_agenda(
    request: Request, database: Sessions, principal: Principal, feed: str | None
) -> HTMLResponse:
    async with database() as db:
        rows = await repository.sessions_with_status(
            db, ["voorgesteld", "bevestigd", "gehouden"], member=principal.subject
        )
        places = await repository.organisations(db, {r.organisation_code for r in rows})
        me = await repository.get_teamlid(db, principal.subject)
    return pages.render(
        request,
        "scheduling/mijn_agenda.html",
        {"rows": rows, "places": places, "me": me, "feed": feed},
    )


@router.get("/mijn-agenda", response_class=HTMLResponse)
async def my_agenda(
    request: Request, database: SessionsDep, principal: PrincipalDep
) -> HTMLResponse:
    return await _my_agenda(request, database, principal, None)


@router.post("/mijn-agenda/feed", response_class=HTMLResponse)
async def my_feed(
    request: Request,
    database: SessionsDep,
    principal: PrincipalDep,
    caller: CallerDep,
    settings: SettingsDep,
) -> Response:
    """A new secret feed address, shown once on the page (never stored in plain text)."""
    feed = await views.new_feed(database, caller, settings, principal.subject)
    return await _my_agenda(request, database, principal, feed)


@router.get("/mijn-beschikbaarheid", response_class=HTMLResponse)
async def my_availability(
    request: Request, database: SessionsDep, principal: PrincipalDep
) -> HTMLResponse:
    async with database() as db:
        me = await repository.get_teamlid(db, principal.subject)
    if me is None:
        raise Problem(404, "U staat (nog) niet als teamlid in de planning.")
    form = FormState(
        {
            "unavailable_dates": "\n".join(d.isoformat() for d in me.unavailable_dates),
            "preferred_weekdays": list(me.preferred_weekdays),
            "max_per_week": me.max_per_week,
            "max_per_month": me.max_per_month,
            "version": me.version,
        }
    )
    return pages.render(
        request, "scheduling/beschikbaarheid.html", {"form": form, "weekdays": WEEKDAYS}
    )


@router.post("/mijn-beschikbaarheid", response_class=HTMLResponse)
async def save_availability(
    request: Request, database: SessionsDep, principal: PrincipalDep, caller: CallerDep
) -> Response:
    form = await FormState.from_request(request, lists=["preferred_weekdays"])
    labels = {
        "unavailable_dates": pages.gettext(N_("Dates I cannot")),
        "max_per_week": pages.gettext(N_("At most per week")),
        "max_per_month": pages.gettext(N_("At most per month")),
    }
    try:
        dates = dates_from_text(str(form.value("unavailable_dates")))
        body = Beschikbaarheid.model_validate(
            {
                "unavailable_dates": dates,
                "preferred_weekdays": form.selected("preferred_weekdays"),
                "max_per_week": form.value("max_per_week") or None,
                "max_per_month": form.value("max_per_month") or None,
                "version": form.value("version") or None,
            }
        )
    except ValueError as error:
        errors = (
            form.with_errors(error, labels).errors
            if isinstance(error, ValidationError)
            else {"unavailable_dates": labels["unavailable_dates"] + ": "
                  + pages.gettext(N_("write each date as 24-12-2026 or 2026-12-24"))}
        )  # fmt: skip
        return pages.render(
            request,
            "scheduling/beschikbaarheid.html",
            {"form": FormState(form.values, errors), "weekdays": WEEKDAYS},
            status_code=422,
        )
    await views.set_availability(database, principal, caller, principal.subject, body)
    return RedirectResponse("/scheduling/mijn-beschikbaarheid?opgeslagen=1", 303)
