"""Reporting's Dutch dashboard: headline figures, charts per month (SVG rendered here, no
CDN) with their numbers as tables, coverage with maps (:mod:`reporting.kaart`), the funnel and
aftercare; filters by period and
province; every table downloadable. Aggregates only: the same published cells as the API.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from ontour.auth.principal import Role
from ontour.service import SessionsDep
from ontour.web.api import PrincipalDep
from ontour.web.ui import PageRenderer

from reporting import kaart
from reporting.api.cijfers import figures, period_of
from reporting.domain.disclosure import Suppressed
from reporting.figures import Table

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
LOCALE = HERE / "locale"
pages = PageRenderer("reporting", TEMPLATES, LOCALE)
router = APIRouter(include_in_schema=False)
CHART_HEIGHT = 120


def bars(table: Table) -> list[dict[str, Any]]:
    """Bars of a per-month table (the total row left out); a hidden count has no bar."""
    rows = [row for row in table.rows if row[0] != "totaal"]
    values = [row[1] for row in rows if not isinstance(row[1], Suppressed)]
    highest = max([v for v in values if isinstance(v, int | float)] or [1]) or 1
    out = []
    for index, row in enumerate(rows):
        value = row[1]
        hidden = isinstance(value, Suppressed)
        height = 0 if hidden else round(CHART_HEIGHT * float(value) / highest)
        out.append(
            {"x": 10 + index * 34, "height": height, "label": row[0],
             "text": value.marker if hidden else str(value), "hidden": hidden}
        )  # fmt: skip
    return out


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@router.get("/", response_class=HTMLResponse)
async def dashboard(
    request: Request, sessions: SessionsDep, principal: PrincipalDep
) -> HTMLResponse:
    params = request.query_params
    van, tot = _date(params.get("van")), _date(params.get("tot"))
    provincie = params.get("provincie") or None
    if provincie is not None and not (len(provincie) == 4 and provincie.startswith("PV")):
        provincie = None
    period = period_of(van, tot)
    tour_tables, meta = await figures(request, sessions, "tour", period, provincie)
    aftercare_tables: list[Table] = []
    if principal.has(Role.COORDINATOR, Role.MINISTERIE):
        aftercare_tables, _ = await figures(request, sessions, "nazorg", period, None)
    charts = {
        t.name: bars(t)
        for t in [*tour_tables, *aftercare_tables]
        if t.name.endswith("-per-maand") and t.rows
    }
    by_name = {t.name: t for t in tour_tables}
    maps = {
        "dekking-per-provincie": kaart.province_map(by_name["dekking-per-provincie"]),
        "bereik-per-gemeente": kaart.gemeente_map(by_name["bereik-per-gemeente"]),
    }
    query = request.url.query
    return pages.render(
        request,
        "reporting/dashboard.html",
        {
            "meta": meta,
            "tour": tour_tables,
            "aftercare": aftercare_tables,
            "charts": charts,
            "maps": maps,
            "fills": kaart.FILLS,
            "chart_height": CHART_HEIGHT,
            "filters": {
                "van": params.get("van", ""),
                "tot": params.get("tot", ""),
                "provincie": provincie or "",
            },
            "query": query,
        },
    )
