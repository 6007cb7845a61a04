"""Reporting's Dutch dashboard, one page per audience, headline first.

Key figures with their trend at the top; then "Tour (actueel)" (exact and live: charts per
month drawn here as SVG, the maps of :mod:`reporting.kaart`, tables behind a heading) and, for
the coordinator and the ministry, "Nazorg" as released per quarter (pick a release; nothing
there moves before the next one). The coordinator also has the page of release decisions.
The same cells as the API and the exports.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from ontour.auth.principal import Role
from ontour.clock import today
from ontour.formatting import format_getal
from ontour.service import RuntimeDep, SessionsDep
from ontour.web.api import PrincipalDep
from ontour.web.rendering import PageRenderer

from reporting import kaart
from reporting.dependencies import SettingsDep
from reporting.domain.disclosure import legend, render, render_percentage
from reporting.domain.release import Release
from reporting.usecases import releases
from reporting.usecases.figures import Period, Table, release_tables
from reporting.views import cached_tour_tables, period_of, pick, tour_tables

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
LOCALE = HERE / "locale"
pages = PageRenderer("reporting", TEMPLATES, LOCALE)
router = APIRouter(include_in_schema=False)
CHART_HEIGHT = 120
TREND_DAYS = 90


def bars(table: Table) -> list[dict[str, Any]]:
    """Bars of a per-month table (the total row left out)."""
    rows = [row for row in table.rows if row[0] != "totaal"]
    highest = max([row[1] for row in rows if isinstance(row[1], int)] or [1]) or 1
    return [
        {"x": 10 + index * 34, "height": round(CHART_HEIGHT * row[1] / highest), "label": row[0],
         "text": format_getal(row[1])}
        for index, row in enumerate(rows)
    ]  # fmt: skip


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _value(tables: list[Table], name: str, label: str, column: int = 1) -> Any:
    table = next(t for t in tables if t.name == name)
    return next((row[column] for row in table.rows if row[0] == label), None)


def _trend(now: int, before: int) -> str:
    change = now - before
    sign = "+" if change > 0 else ""
    return (f"laatste {TREND_DAYS} dagen: {format_getal(now)} ({sign}{format_getal(change)} "
            f"t.o.v. de {TREND_DAYS} dagen daarvoor)")  # fmt: skip


async def _tour_cards(request: Request, sessions: Any, tour: list[Table]) -> list[dict[str, str]]:
    day = today()
    recent = Period(day - timedelta(days=TREND_DAYS - 1), day)
    earlier = Period(day - timedelta(days=2 * TREND_DAYS - 1), day - timedelta(days=TREND_DAYS))
    now, _ = await cached_tour_tables(request, sessions, recent, None)
    before, _ = await cached_tour_tables(request, sessions, earlier, None)

    def count(tables: list[Table], label: str) -> int:
        value = _value(tables, "kerncijfers", label)
        return value if isinstance(value, int) else 0

    gemeenten = _value(tour, "dekking", "gemeenten")
    gemeenten_share = _value(tour, "dekking", "gemeenten", 2)
    provincies = _value(tour, "dekking", "provincies")
    expected = _value(tour, "kerncijfers", "verwacht bij het huidige tempo")
    target = next((row for row in tour[0].rows if str(row[0]).startswith("doel")), None)
    cards = [
        {"title": "Voorgesprekken gehouden",
         "value": format_getal(count(tour, "voorgesprekken gehouden")),
         "trend": _trend(count(now, "voorgesprekken gehouden"),
                         count(before, "voorgesprekken gehouden"))},
        {"title": "Gemeenten bereikt (voorgesprek)",
         "value": f"{format_getal(gemeenten or 0)} ({render_percentage(gemeenten_share)})"
         if isinstance(gemeenten_share, float) else "—",
         "trend": f"provincies: {format_getal(provincies or 0)} van de 12"},
        {"title": "Sessies gehouden", "value": format_getal(count(tour, "sessies gehouden")),
         "trend": _trend(count(now, "sessies gehouden"), count(before, "sessies gehouden"))},
    ]  # fmt: skip
    if target is not None and isinstance(expected, float):
        cards.append({"title": "Prognose tegen het doel", "value": format_getal(expected, 0),
                      "trend": f"{target[0]}: {format_getal(target[1])}"})  # fmt: skip
    return cards


def _aftercare_cards(release: Release, previous: Release | None) -> list[dict[str, str]]:
    tables = release_tables(release)
    total = _value(tables, "nazorg-kerncijfers", tables[0].rows[0][0])
    trend = "eerste vrijgave"
    if previous is not None:
        before = _value(release_tables(previous), "nazorg-kerncijfers", tables[0].rows[0][0])
        trend = f"vorig kwartaal ({previous.quarter.id}): {render(before)}"
    online = _value(tables, "nazorg-kerncijfers", "aandeel over online intimidatie")
    contact = _value(tables, "nazorg-kerncijfers", "tijd tot eerste contact, mediaan (dagen)")
    return [
        {"title": f"Nazorgverzoeken, {release.quarter.label}", "value": render(total),
         "trend": trend},
        {"title": "Aandeel over online intimidatie", "value": render_percentage(online),
         "trend": release.quarter.label},
        {"title": "Tijd tot eerste contact (mediaan)",
         "value": f"{render(contact, 1)} dagen" if isinstance(contact, float) else render(contact),
         "trend": release.quarter.label},
    ]  # fmt: skip


@router.get("/", response_class=HTMLResponse)
async def dashboard(
    request: Request, sessions: SessionsDep, principal: PrincipalDep
) -> HTMLResponse:
    params = request.query_params
    van, tot = _date(params.get("van")), _date(params.get("tot"))
    provincie = params.get("provincie") or None
    tour, meta = await tour_tables(request, sessions, period_of(van, tot), provincie)
    cards = await _tour_cards(request, sessions, tour)
    release: Release | None = None
    released: list[Release] = []
    complete_years: list[int] = []
    released_on: dict[str, date] = {}
    show_aftercare = principal.has(Role.COORDINATOR, Role.MINISTERIE)
    if show_aftercare:
        async with sessions() as session:
            found = await releases.decisions(session)
            complete_years = [view.year for view in await releases.published_years(session)]
        released = _published(request, found)
        released_on = {d.id: d.decided_at.date() for d in found}
        if released:
            release = pick(released, params.get("vrijgave") or None)
        if release is not None:
            previous = next((r for r in reversed(released) if r.quarter < release.quarter), None)
            cards += _aftercare_cards(release, previous)
    filters = {
        "van": params.get("van", ""),
        "tot": params.get("tot", ""),
        "provincie": provincie or "",
    }
    query = request.url.query if not params.get("vrijgave") else ""
    options = [(r.quarter.id, r.quarter.label) for r in reversed(released)]
    return pages.render(
        request,
        "reporting/dashboard.html",
        {
            "meta": meta,
            "cards": cards,
            "tour_section": _tour_section(request, tour, meta, filters, query),
            "release": release,
            "release_section": _release_section(request, release, options, complete_years),
            "show_aftercare": show_aftercare,
            "release_day": released_on.get(release.quarter.id) if release else None,
        },
    )


# --- sections rendered once -----------------------------------------------------------------------
# The tour's section (tables, charts, maps: most of the page) is the same for everyone until
# the tables change (a newer event, or the figures cache's few seconds) or the filters do; a
# release's section never changes once released. Each is rendered once and kept per app,
# keyed by what it shows: the very table list (held, so its id is not reused) or release.
SECTIONS_KEPT = 64


def _kept(request: Request, key: tuple[Any, ...], shows: object) -> Markup | None:
    sections = request.app.state.__dict__.setdefault("dashboard_sections", {})
    found = sections.get(key)
    return found[1] if found is not None and found[0] is shows else None


def _keep(request: Request, key: tuple[Any, ...], shows: object, section: Markup) -> Markup:
    sections = request.app.state.__dict__.setdefault("dashboard_sections", {})
    if len(sections) >= SECTIONS_KEPT:
        sections.clear()
    sections[key] = (shows, section)
    return section


def _render_section(name: str, context: dict[str, Any]) -> Markup:
    # Safe markup: the template escapes what it puts in (autoescape, as every page).
    return Markup(pages.env.get_template(name).render(context))  # noqa: S704


def _tour_section(
    request: Request, tour: list[Table], meta: dict[str, Any], filters: dict[str, str], query: str
) -> Markup:
    key = ("tour", id(tour), meta["bijgewerkt_tot"], tuple(filters.items()), query)
    section = _kept(request, key, tour)
    if section is not None:
        return section
    by_name = {t.name: t for t in tour}
    context = {
        "meta": meta,
        "tour": tour,
        "charts": {t.name: bars(t) for t in tour if t.name.endswith("-per-maand") and t.rows},
        "maps": {
            "dekking-per-provincie": kaart.province_map(by_name["dekking-per-provincie"]),
            "bereik-per-gemeente": kaart.gemeente_map(by_name["bereik-per-gemeente"]),
        },
        "fills": kaart.FILLS,
        "chart_height": CHART_HEIGHT,
        "filters": filters,
        "query": query,
    }
    return _keep(request, key, tour, _render_section("reporting/dashboard_tour.html", context))


def _release_section(
    request: Request,
    release: Release | None,
    options: list[tuple[str, str]],
    complete_years: list[int],
) -> Markup | None:
    if release is None:
        return None
    key = ("release", id(release), tuple(options), tuple(complete_years))
    section = _kept(request, key, release)
    if section is not None:
        return section
    context = {
        "release": release,
        "release_tables": release_tables(release),
        "releases_options": options,
        "complete_years": complete_years,
        "legend": legend(release.threshold),
    }
    section = _render_section("reporting/dashboard_release.html", context)
    return _keep(request, key, release, section)


def _published(request: Request, found: list[Any]) -> list[Release]:
    """:func:`releases.published_of`, each release read from its document once per app: a
    decision is frozen once taken (a new decision has another moment), and the same
    :class:`Release` keeps its rendered section."""
    parsed: dict[tuple[Any, ...], Release | None] = request.app.state.__dict__.setdefault(
        "dashboard_releases", {}
    )
    published = []
    for row in found:
        key = (row.id, row.status, row.decided_at, row.decided_by)
        if key not in parsed:
            parsed[key] = next(iter(releases.published_of([row])), None)
        release = parsed[key]
        if release is not None:
            published.append(release)
    return published


@router.get("/vrijgaven", response_class=HTMLResponse)
async def decisions(request: Request, runtime: RuntimeDep, settings: SettingsDep) -> HTMLResponse:
    """The coordinator's view of the release calendar: what was released, refused and why."""
    async with runtime.sessions() as session:
        found = await releases.decisions(session)
    upcoming, upcoming_on = releases.upcoming(settings, found)
    return pages.render(
        request,
        "reporting/vrijgaven.html",
        {"decisions": found, "upcoming": upcoming, "upcoming_on": upcoming_on},
    )
