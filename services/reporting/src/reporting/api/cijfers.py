"""The tour's figures (exact and live), every table as a file, and the quarterly PDF.

``tour`` is for coordinators, teamleden and the ministry, with a period (``van``/``tot``) and
a province. Figures about people are in :mod:`reporting.api.vrijgaven`, as releases only.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from ontour.auth.principal import Role
from ontour.clock import today
from ontour.messaging.deadletters import count_dead_letters
from ontour.service import SessionsDep
from ontour.web.api import Formaat, IsoDate, PrincipalDep
from ontour.web.export import EXPORT_RESPONSES, ExportTable, export_response, requested_format
from ontour.web.problems import Problem, invalid, problem_responses
from pydantic import BaseModel, Field

from reporting import metrics, repository
from reporting.api import vrijgaven
from reporting.domain.quarters import Quarter
from reporting.figures import Period, Table, release_tables, tour_figures
from reporting.models import RmOrganisation, RmSession, RmVoorgesprek
from reporting.report import quarterly_report
from reporting.usecases import releases

router = APIRouter(tags=["cijfers"])
CACHE_SECONDS = 5.0
Van = Annotated[IsoDate | None, Query(description="Vanaf deze datum.")]
Tot = Annotated[IsoDate | None, Query(description="Tot en met deze datum.")]
# The twelve provinces, PV20 (Groningen) up to PV31 (Limburg).
Provincie = Annotated[
    str | None,
    Query(
        pattern=r"^PV(2[0-9]|3[01])$", description="Provincie: PV20 (Groningen) t/m PV31 (Limburg)."
    ),
]
KwartaalId = Annotated[
    str | None,
    Query(pattern=vrijgaven.QUARTER_ID, description="Een kwartaal, bijvoorbeeld 2026-K3."),
]


class Cijfers(BaseModel):
    """De cijfers van de tour: exact en actueel."""

    bijgewerkt_tot: str | None = Field(description="Tijd van het laatst verwerkte tour-event.")
    onvolledig: bool = Field(description="Er staan events in de dead letters: cijfers onvolledig.")
    tabellen: list[dict[str, Any]] = Field(description="De tabellen.")


def period_of(van: date | None, tot: date | None) -> Period:
    if van and tot and tot < van:
        raise invalid("tot", "de einddatum ligt voor de begindatum")
    return Period(van, tot)


async def known_province(session: Any, province: str | None) -> str | None:
    """``province`` when the register knows it, else a 422 naming the provinces it knows."""
    if province is None:
        return None
    provinces = {
        row.code: row.name
        for row in await repository.all_rows(session, RmOrganisation)
        if row.kind == "provincie" and row.valid_until is None
    }
    if province not in provinces:
        listed = ", ".join(f"{code} ({name})" for code, name in sorted(provinces.items()))
        raise invalid("provincie", f"onbekende provincie; bekend zijn: {listed or 'geen'}")
    return province


async def tour_tables(
    request: Request, sessions: Any, period: Period, province: str | None
) -> tuple[list[Table], dict[str, Any]]:
    """The tour's tables (:func:`cached_tour_tables`) with when they were last updated and
    whether they may be incomplete (events parked as dead letters)."""
    tables, updated = await cached_tour_tables(request, sessions, period, province)
    try:
        js = request.app.state.runtime.broker.connection.jetstream()
        parked = await count_dead_letters(js, "reporting")
        metrics.dead_letters.set(parked)
        incomplete = parked > 0
    except Exception:  # no broker: the figures stand, their completeness is unknown
        incomplete = True
    meta = {"bijgewerkt_tot": updated.isoformat() if updated else None, "onvolledig": incomplete}
    return tables, meta


async def cached_tour_tables(
    request: Request, sessions: Any, period: Period, province: str | None
) -> tuple[list[Table], datetime | None]:
    """The tour's tables and the moment of the newest event in them, computed again when a
    newer tour event was processed (the read models change with events only) and at least
    every ``CACHE_SECONDS`` (a rebuild swaps the tables without a newer event)."""
    settings = request.app.state.runtime.settings
    cache: dict[tuple[Any, ...], tuple[float, list[Table]]] = request.app.state.__dict__.setdefault(
        "figures_cache", {}
    )
    async with sessions() as session:
        province = await known_province(session, province)
        updated = await repository.last_event_at(session)
        key = (period, province, updated, today())
        cached = cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            tables = cached[1]
        else:
            with metrics.figures_seconds.labels("tour").time():
                tables = tour_figures(
                    await repository.all_rows(session, RmOrganisation),
                    await repository.all_rows(session, RmVoorgesprek),
                    await repository.all_rows(session, RmSession),
                    period=period, province=province, today=today(),
                    tour_start=settings.tour_start, tour_end=settings.tour_end,
                    target_sessions=settings.target_sessions,
                )  # fmt: skip
            if len(cache) > 256:
                cache.clear()
            cache[key] = (time.monotonic(), tables)
    return tables, updated


@router.get(
    "/tour",
    response_model=Cijfers,
    responses=problem_responses(422),
    summary="Cijfers van de tour: exact en actueel",
)
async def tour(
    request: Request, sessions: SessionsDep, van: Van = None, tot: Tot = None,
    provincie: Provincie = None,
) -> Cijfers:  # fmt: skip
    tables, meta = await tour_tables(request, sessions, period_of(van, tot), provincie)
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
    vrijgave: KwartaalId = None,
    formaat: Formaat = None,
) -> Any:
    if naam.startswith(("nazorg", "voorgesprekken-themas", "voorgesprekken-incidenten")):
        if not principal.has(Role.COORDINATOR, Role.MINISTERIE):
            raise Problem(403, "De cijfers over personen zijn er voor de coördinator en het "
                               "ministerie.")  # fmt: skip
        if van or tot or provincie:
            raise invalid("van", "cijfers over personen bestaan alleen per vrijgave (kwartaal)")
        async with sessions() as session:
            release = await vrijgaven.find(session, vrijgave)
        tables = release_tables(release)
    else:
        tables, _ = await tour_tables(request, sessions, period_of(van, tot), provincie)
    table = next((t for t in tables if t.name == naam), None)
    if table is None:
        raise Problem(404, f"Er is geen tabel '{naam}'.")
    export = ExportTable(table.name, table.columns, table.rendered())
    return export_response(export, requested_format(request, formaat) or "csv")


@router.get(
    "/kwartaalrapportage",
    responses={200: {"content": {"application/pdf": {}}}, **problem_responses(422)},
    summary="De kwartaalrapportage als PDF (tour en de vrijgave van dat kwartaal)",
)
async def quarterly(
    request: Request, sessions: SessionsDep, kwartaal: KwartaalId = None
) -> Response:
    quarter = Quarter.parse(kwartaal.replace("Q", "K")) if kwartaal else Quarter.of(today())
    period = Period(quarter.first_day, quarter.last_day)
    tour, meta = await tour_tables(request, sessions, period, None)
    async with sessions() as session:
        released = {r.quarter: r for r in await releases.published(session)}
    body = quarterly_report(
        quarter=quarter, tour=tour, release=released.get(quarter), updated=meta["bijgewerkt_tot"]
    )
    filename = f"voortgang-on-tour-{quarter.id.lower()}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
