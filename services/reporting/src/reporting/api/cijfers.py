"""The published figures as JSON and as files: every cell with the disclosure rule applied.

``tour`` is for coordinators, teamleden and the ministry; ``nazorg`` for coordinators and the
ministry. Filters: a period (``van``/``tot``) and, for the tour, a province.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from ontour.auth.principal import Role
from ontour.clock import today
from ontour.messaging.deadletters import count_dead_letters
from ontour.service import SessionsDep
from ontour.web.api import Formaat, PrincipalDep
from ontour.web.export import EXPORT_RESPONSES, ExportTable, export_response, requested_format
from ontour.web.problems import Problem, invalid, problem_responses
from pydantic import BaseModel, Field

from reporting import metrics, repository
from reporting.domain.disclosure import legend
from reporting.figures import Period, Table, aftercare_figures, tour_figures
from reporting.models import RmCase, RmOrganisation, RmSession, RmVoorgesprek
from reporting.report import quarter_of, quarterly_report

router = APIRouter(tags=["cijfers"])
CACHE_SECONDS = 5.0
Van = Annotated[date | None, Query(description="Vanaf deze datum.")]
Tot = Annotated[date | None, Query(description="Tot en met deze datum.")]
Provincie = Annotated[str | None, Query(pattern=r"^PV\d{2}$", description="Provincie (PVxx).")]


class Cijfers(BaseModel):
    """Gepubliceerde cijfers: elke cel een waarde of een onderdrukkingsteken."""

    bijgewerkt_tot: str | None = Field(description="Tijd van het laatst verwerkte event.")
    onvolledig: bool = Field(description="Er staan events in de dead letters: cijfers onvolledig.")
    legenda: dict[str, str] = Field(description="Betekenis van de tekens.")
    tabellen: list[dict[str, Any]] = Field(description="De tabellen.")


def period_of(van: date | None, tot: date | None) -> Period:
    if van and tot and tot < van:
        raise invalid("tot", "de einddatum ligt voor de begindatum")
    return Period(van, tot)


async def _compute(
    session: Any, settings: Any, kind: str, period: Period, province: str | None
) -> list[Table]:
    threshold = settings.disclosure_threshold
    if kind == "tour":
        found = tour_figures(
            await repository.all_rows(session, RmOrganisation),
            await repository.all_rows(session, RmVoorgesprek),
            await repository.all_rows(session, RmSession),
            period=period,
            province=province,
            today=today(),
            tour_start=settings.tour_start,
            tour_end=settings.tour_end,
            target_sessions=settings.target_sessions,
            threshold=threshold,
        )
    else:
        found = aftercare_figures(
            await repository.all_rows(session, RmCase), period=period, threshold=threshold
        )
    tables: list[Table] = found["tabellen"]
    return tables


async def figures(
    request: Request, sessions: Any, kind: str, period: Period, province: str | None
) -> tuple[list[Table], dict[str, Any]]:
    """The published tables, computed again when a newer event has been processed (the read
    models change with events only) and at least every ``CACHE_SECONDS`` (a rebuild swaps
    the tables without a newer event)."""
    settings = request.app.state.runtime.settings
    cache: dict[tuple[Any, ...], tuple[float, list[Table]]] = request.app.state.__dict__.setdefault(
        "figures_cache", {}
    )
    async with sessions() as session:
        updated = await repository.last_event_at(session)
        key = (kind, period, province, updated, today())
        cached = cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            tables = cached[1]
        else:
            with metrics.figures_seconds.labels(kind).time():
                tables = await _compute(session, settings, kind, period, province)
            if len(cache) > 256:
                cache.clear()
            cache[key] = (time.monotonic(), tables)
    try:
        js = request.app.state.runtime.broker.connection.jetstream()
        parked = await count_dead_letters(js, "reporting")
        metrics.dead_letters.set(parked)
        incomplete = parked > 0
    except Exception:  # no broker: the figures stand, their completeness is unknown
        incomplete = True
    meta = {
        "bijgewerkt_tot": updated.isoformat() if updated else None,
        "onvolledig": incomplete,
        "legenda": legend(settings.disclosure_threshold),
    }
    return tables, meta


@router.get(
    "/tour",
    response_model=Cijfers,
    responses=problem_responses(422),
    summary="Cijfers van de tour (kleine aantallen onderdrukt)",
)
async def tour(
    request: Request, sessions: SessionsDep, van: Van = None, tot: Tot = None,
    provincie: Provincie = None,
) -> Cijfers:  # fmt: skip
    tables, meta = await figures(request, sessions, "tour", period_of(van, tot), provincie)
    return Cijfers(**meta, tabellen=[t.as_json() for t in tables])


@router.get(
    "/nazorg",
    response_model=Cijfers,
    responses=problem_responses(422),
    summary="Cijfers van de nazorg: alleen verzoeken met toestemming voor statistiek",
)
async def nazorg(
    request: Request, sessions: SessionsDep, van: Van = None, tot: Tot = None
) -> Cijfers:
    tables, meta = await figures(request, sessions, "nazorg", period_of(van, tot), None)
    return Cijfers(**meta, tabellen=[t.as_json() for t in tables])


@router.get(
    "/tabellen/{naam}",
    responses={**problem_responses(403, 404, 422), **EXPORT_RESPONSES},
    summary="Eén tabel als CSV of XLSX (zoals op het dashboard)",
)
async def table_file(
    naam: Annotated[str, Path(pattern=r"^[a-z-]{1,60}$", description="Naam van de tabel.")],
    request: Request,
    sessions: SessionsDep,
    principal: PrincipalDep,
    van: Van = None,
    tot: Tot = None,
    provincie: Provincie = None,
    formaat: Formaat = None,
) -> Any:
    kind = "nazorg" if naam.startswith("nazorg") else "tour"
    if kind == "nazorg" and not principal.has(Role.COORDINATOR, Role.MINISTERIE):
        raise Problem(403, "De nazorgcijfers zijn er voor de coördinator en het ministerie.")
    tables, _ = await figures(request, sessions, kind, period_of(van, tot), provincie)
    table = next((t for t in tables if t.name == naam), None)
    if table is None:
        raise Problem(404, f"Er is geen tabel '{naam}'.")
    export = ExportTable(table.name, table.columns, table.rendered())
    return export_response(export, requested_format(request, formaat) or "csv")


@router.get(
    "/kwartaalrapportage",
    responses={200: {"content": {"application/pdf": {}}}, **problem_responses(422)},
    summary="De kwartaalrapportage als PDF (tekst, tabellen, grafiek)",
)
async def quarterly(
    request: Request,
    sessions: SessionsDep,
    kwartaal: Annotated[
        str | None, Query(pattern=r"^20\d{2}-Q[1-4]$", description="Bijvoorbeeld 2025-Q3.")
    ] = None,
) -> Response:
    if kwartaal:
        year, number = int(kwartaal[:4]), int(kwartaal[-1])
        day = date(year, number * 3 - 2, 1)
    else:
        day = today()
    start, end, name = quarter_of(day)
    period = Period(start, end)
    tour_tables, meta = await figures(request, sessions, "tour", period, None)
    aftercare_tables, _ = await figures(request, sessions, "nazorg", period, None)
    body = quarterly_report(
        quarter=name, start=start, end=end, tour=tour_tables, aftercare=aftercare_tables,
        updated=meta["bijgewerkt_tot"],
    )  # fmt: skip
    filename = f"voortgang-on-tour-{name.replace(' ', '-').lower()}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
