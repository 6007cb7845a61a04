"""The published figures: read models in, tables with the disclosure rule applied out.

Every figure the API, the dashboard and the exports show comes from :func:`tour_figures` and
:func:`aftercare_figures`, so the suppression rule (:mod:`reporting.domain.disclosure`) is
applied once and the same way everywhere. A table is a title, column names and rows whose
cells are published counts or statistics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ontour.contracts.intake import OrganisatieSoort, TourStatus

from reporting.domain.disclosure import (
    Cell,
    NotPublishable,
    Statistic,
    Suppressed,
    protect_statistic,
    render,
    render_percentage,
    share,
    suppress_count,
    suppress_series,
    to_json,
)
from reporting.domain.funnel import StageRecord, funnel
from reporting.domain.publication import (
    publish_coverage,
    publish_forecast,
    publish_funnel,
    publish_reached_gemeenten,
)
from reporting.domain.statistics import (
    RegisteredOrganisation,
    coverage,
    days_between,
    forecast,
    local_date,
    median,
    p90,
)
from reporting.models import RmCase, RmOrganisation, RmSession, RmVoorgesprek

MONTHS = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass
class Table:
    """One published table: ``rows`` are a label and cells (counts, statistics, text)."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    percentages: frozenset[int] = frozenset()  # indexes of cells that are shares

    def as_json(self) -> dict[str, Any]:
        return {
            "naam": self.name,
            "titel": self.title,
            "kolommen": self.columns,
            "rijen": [
                [cell if isinstance(cell, str) else to_json(cell) for cell in row]
                for row in self.rows
            ],
        }

    def rendered(self) -> list[list[str]]:
        """Cells as the dashboard and exports show them ("<5", "x", "12,5%")."""
        out = []
        for row in self.rows:
            line = []
            for index, cell in enumerate(row):
                if isinstance(cell, str):
                    line.append(cell)
                elif index in self.percentages:
                    line.append(render_percentage(cell))
                else:
                    line.append(render(cell, 1 if isinstance(cell, float) else None))
            out.append(line)
        return out


def _month_label(month: date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


def _series_table(
    name: str, title: str, column: str, counts: Mapping[str, int], threshold: int
) -> Table:
    table = Table(name, title, [column, "aantal"])
    if not counts:
        return table
    try:
        published = suppress_series(dict(counts), threshold=threshold)
    except NotPublishable:
        table.rows = [[label, suppress_count(0, threshold)] for label in counts]
        return table
    table.rows = [[label, cell] for label, cell in published.cells.items()]
    table.rows.append(["totaal", published.total])
    return table


def _months(days: Iterable[date]) -> dict[str, int]:
    counter = Counter(day.replace(day=1) for day in days)
    return {_month_label(month): counter[month] for month in sorted(counter)}


def _yes_no(reached: bool | Suppressed) -> str | Suppressed:
    if isinstance(reached, Suppressed):
        return reached
    return "ja" if reached else "nee"


def _register(organisations: Sequence[RmOrganisation]) -> list[RegisteredOrganisation]:
    """The current register; gemeenten whose province has not arrived yet are left out, so a
    register still coming in over the bus gives smaller denominators, never an error."""
    current = [o for o in organisations if o.valid_until is None]
    provinces = {o.code for o in current if o.kind == OrganisatieSoort.PROVINCIE}
    return [
        RegisteredOrganisation(o.code, OrganisatieSoort(o.kind), o.province_code)
        for o in current
        if o.province_code in provinces
    ]


def tour_figures(
    organisations: Sequence[RmOrganisation],
    voorgesprekken: Sequence[RmVoorgesprek],
    sessions: Sequence[RmSession],
    *,
    period: Period,
    province: str | None,
    today: date,
    tour_start: date,
    tour_end: date,
    target_sessions: int,
    threshold: int,
) -> dict[str, Any]:
    """The tour's figures for a period and (optionally) one province."""
    by_code = {o.code: o for o in organisations}

    def in_region(code: str) -> bool:
        return province is None or (code in by_code and by_code[code].province_code == province)

    held = [
        v for v in voorgesprekken
        if v.status == "gehouden" and v.held_on in period and in_region(v.organisation_code)
    ]  # fmt: skip
    confirmed = [
        s for s in sessions
        if s.status in ("bevestigd", "gehouden")
        and s.on in period
        and in_region(s.organisation_code)
    ]  # fmt: skip
    sessions_held = [s for s in confirmed if s.status == "gehouden"]

    names = {o.code: o.name for o in organisations if o.kind == "provincie"}
    per_province = Counter(
        by_code[v.organisation_code].province_code for v in held if v.organisation_code in by_code
    )
    tables = [
        _series_table("voorgesprekken-per-maand", "Voorgesprekken gehouden per maand", "maand",
                      _months(v.held_on for v in held), threshold),
        _series_table("voorgesprekken-per-provincie", "Voorgesprekken gehouden per provincie",
                      "provincie", {names.get(c, c): n for c, n in sorted(
                          per_province.items(), key=lambda item: names.get(item[0], item[0]))},
                      threshold),
        _series_table("voorgesprekken-per-soort", "Voorgesprekken gehouden per soort organisatie",
                      "soort", dict(Counter(by_code[v.organisation_code].kind for v in held
                                            if v.organisation_code in by_code)), threshold),
        _series_table("sessies-per-maand", "Sessies gehouden per maand", "maand",
                      _months(s.on for s in sessions_held), threshold),
        _series_table("themas", "Besproken thema's (een voorgesprek kan er meer hebben)", "thema",
                      dict(Counter(t for v in held for t in v.themes).most_common()), threshold),
    ]  # fmt: skip

    register = [
        r for r in _register(organisations) if province is None or r.province_code == province
    ]
    coverage_table = Table(
        "dekking", "Bereik: aandeel van de organisaties met een voorgesprek en met een sessie",
        ["", "voorgesprek: aantal", "voorgesprek: aandeel", "sessie: aantal", "sessie: aandeel"],
        percentages=frozenset({2, 4}),
    )  # fmt: skip
    per_province_table = Table(
        "dekking-per-provincie", "Bereik per provincie: gemeenten met een voorgesprek en met een"
        " sessie", ["provincie", "code", "gemeenten", "voorgesprek: aantal",
                    "voorgesprek: aandeel", "sessie: aantal", "sessie: aandeel"],
        percentages=frozenset({4, 6}),
    )  # fmt: skip
    per_gemeente_table = Table(
        "bereik-per-gemeente", "Bereik per gemeente: voorgesprek en sessie gehouden",
        ["gemeente", "code", "provincie", "voorgesprek", "sessie"],
    )  # fmt: skip
    known = {r.code for r in register}
    if register:
        reached_v = {v.organisation_code for v in held} & known
        reached_s = {s.organisation_code for s in sessions_held} & known
        pv = publish_coverage(coverage(reached_v, register), threshold)
        ps = publish_coverage(coverage(reached_s, register), threshold)
        coverage_table.rows.append(["gemeenten", pv.gemeenten.reached, pv.gemeenten.share,
                                    ps.gemeenten.reached, ps.gemeenten.share])  # fmt: skip
        coverage_table.rows.append(["provincies", pv.provincies.reached, pv.provincies.share,
                                    ps.provincies.reached, ps.provincies.share])  # fmt: skip
        for code in sorted(pv.gemeenten_per_province, key=lambda c: names.get(c, c)):
            a, b = pv.gemeenten_per_province[code], ps.gemeenten_per_province[code]
            per_province_table.rows.append(
                [names.get(code, code), code, a.of, a.reached, a.share, b.reached, b.share]
            )
        gemeenten = {r.code: r.province_code for r in register
                     if r.kind is OrganisatieSoort.GEMEENTE}  # fmt: skip
        with_v = publish_reached_gemeenten(reached_v, gemeenten, pv)
        with_s = publish_reached_gemeenten(reached_s, gemeenten, ps)
        for code in sorted(gemeenten, key=lambda c: by_code[c].name):
            per_gemeente_table.rows.append([
                by_code[code].name, code, names.get(gemeenten[code], gemeenten[code]),
                _yes_no(with_v[code]), _yes_no(with_s[code]),
            ])  # fmt: skip
    tables += [coverage_table, per_province_table, per_gemeente_table]

    records = [StageRecord(v.organisation_code, TourStatus.VOORGESPREK_GEHOUDEN, v.held_on)
               for v in held]  # fmt: skip
    records += [StageRecord(v.organisation_code, TourStatus.SESSIE_GEWENST, v.held_on)
                for v in held if v.session_wish == "ja"]  # fmt: skip
    records += [StageRecord(s.organisation_code, TourStatus.SESSIE_GEPLAND,
                            s.planned_at or s.on) for s in confirmed]  # fmt: skip
    records += [StageRecord(s.organisation_code, TourStatus.SESSIE_GEHOUDEN, s.on)
                for s in sessions_held]  # fmt: skip
    funnel_table = Table(
        "trechter", "Van voorgesprek naar sessie (organisaties)",
        ["stap", "van", "naar", "conversie", "doorlooptijd mediaan (dagen)",
         "doorlooptijd p90 (dagen)"],
        percentages=frozenset({3}),
    )  # fmt: skip
    if records:
        published = publish_funnel(funnel(records), threshold)
        for step in published.steps:
            funnel_table.rows.append([
                f"{step.source.value} → {step.target.value}", published.reached[step.source],
                published.reached[step.target], step.conversion, step.median_days, step.p90_days,
            ])  # fmt: skip
    tables.append(funnel_table)

    scores = [float(s.evaluation_score) for s in sessions_held if s.evaluation_score]
    participants = sum(s.participants or 0 for s in sessions_held)
    headline = Table("kerncijfers", "Kerncijfers van de tour", ["", "waarde"])
    headline.rows = [
        ["voorgesprekken gehouden", suppress_count(len(held), threshold)],
        ["sessies gepland of gehouden", suppress_count(len(confirmed), threshold)],
        ["sessies gehouden", suppress_count(len(sessions_held), threshold)],
        ["deelnemers aan sessies", suppress_count(participants, threshold)],
        ["evaluatiecijfer (mediaan)", protect_statistic(median, scores, threshold)],
    ]
    if tour_start <= today:
        projected = publish_forecast(
            forecast(len(sessions_held), start=tour_start, today=today, end=tour_end,
                     target=target_sessions),
            threshold,
        )  # fmt: skip
        headline.rows.append([f"doel: sessies gehouden op {tour_end:%d-%m-%Y}", target_sessions])
        headline.rows.append(["verwacht bij het huidige tempo", projected.projected_total])
    tables.insert(0, headline)
    return {"tabellen": tables}


def _days(pairs: Iterable[tuple[datetime | None, datetime | None]]) -> list[float]:
    return [float(days_between(a, b)) for a, b in pairs if a is not None and b is not None]


def aftercare_figures(cases: Sequence[RmCase], *, period: Period, threshold: int) -> dict[str, Any]:
    """Aftercare's figures, only from cases whose requesters consented to statistics."""
    counted = [
        c for c in cases
        if c.consent and c.requested_at is not None and local_date(c.requested_at) in period
    ]  # fmt: skip
    total = suppress_count(len(counted), threshold)
    online = suppress_count(
        sum(1 for c in counted if "online intimidatie" in c.incidents), threshold
    )
    woman = suppress_count(sum(1 for c in counted if c.wants_woman), threshold)
    contacted = [c for c in counted if c.within_service_level is not None]
    within = suppress_count(sum(1 for c in contacted if c.within_service_level), threshold)
    to_match = _days((c.requested_at, c.matched_at) for c in counted)
    to_contact = _days((c.requested_at, c.contacted_at) for c in counted)

    def safe_share(part: Cell, whole: Cell) -> Statistic | str:
        return "—" if whole == 0 else share(part, whole)

    headline = Table("nazorg-kerncijfers", "Kerncijfers van de nazorg (met toestemming)",
                     ["", "waarde"], percentages=frozenset())  # fmt: skip
    headline.rows = [
        ["nazorgverzoeken", total],
        ["tijd tot koppeling, mediaan (dagen)", protect_statistic(median, to_match, threshold)],
        ["tijd tot koppeling, p90 (dagen)", protect_statistic(p90, to_match, threshold)],
        ["tijd tot eerste contact, mediaan (dagen)",
         protect_statistic(median, to_contact, threshold)],
        ["tijd tot eerste contact, p90 (dagen)", protect_statistic(p90, to_contact, threshold)],
    ]  # fmt: skip
    shares = Table("nazorg-aandelen", "Aandelen (met toestemming)", ["", "aantal", "aandeel"],
                   percentages=frozenset({2}))  # fmt: skip
    shares.rows = [
        ["over online intimidatie", online, safe_share(online, total)],
        ["vraagt een vrouw als peer", woman, safe_share(woman, total)],
        ["eerste contact binnen de termijn", within,
         safe_share(within, suppress_count(len(contacted), threshold))],
    ]  # fmt: skip
    tables = [
        headline,
        shares,
        _series_table("nazorg-per-maand", "Nazorgverzoeken per maand", "maand",
                      _months(local_date(c.requested_at) for c in counted if c.requested_at),
                      threshold),
        _series_table("nazorg-per-rol", "Nazorgverzoeken per functie", "functie",
                      dict(Counter(c.role or "onbekend" for c in counted)), threshold),
        _series_table("nazorg-per-incident", "Wat er gebeurde (een verzoek kan er meer hebben)",
                      "soort", dict(Counter(i for c in counted for i in c.incidents).most_common()),
                      threshold),
        _series_table("nazorg-uitkomsten", "Uitkomsten van afgesloten verzoeken", "uitkomst",
                      dict(Counter(c.outcome for c in counted if c.outcome)), threshold),
        _series_table("nazorg-doorverwijzingen", "Doorverwijzingen", "naar",
                      dict(Counter(r for c in counted for r in c.referrals)), threshold),
    ]  # fmt: skip
    return {"tabellen": tables}
