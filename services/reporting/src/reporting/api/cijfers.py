"""The tour's figures (exact and live), every table as a file, and the quarterly PDF.

``tour`` is for coordinators, teamleden and the ministry, with a period (``van``/``tot``) and
a province. Figures about people are in :mod:`reporting.api.vrijgaven`, as releases only.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from ontour.auth.principal import Role
from ontour.clock import today
from ontour.service import SessionsDep
from ontour.web.api import Formaat, IsoDate, PrincipalDep
from ontour.web.export import EXPORT_RESPONSES, ExportTable, export_response, requested_format
from ontour.web.problems import Problem, invalid, problem_responses
from pydantic import BaseModel, Field

from reporting.api import vrijgaven
from reporting.domain.quarters import Quarter
from reporting.usecases import releases
from reporting.usecases.figures import Period, release_tables
from reporting.views import find, period_of, tour_tables

router = APIRouter(tags=["cijfers"])
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
            release = await find(session, vrijgave)
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
    # Imported here, not at the top: only this download needs it, and every process start (and
    # every rolling restart) would pay for loading it (tests/test_import_cost.py).
    from reporting.report import quarterly_report

    body = quarterly_report(
        quarter=quarter, tour=tour, release=released.get(quarter), updated=meta["bijgewerkt_tot"]
    )
    filename = f"voortgang-on-tour-{quarter.id.lower()}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
