"""The published figures as tables: the tour's live and exact, people's from releases.

Read-only use cases. Two kinds of figures, decided here once for the API, the dashboard, the
exports and the PDF:

* **Tour figures** (:func:`tour`, from the read models) are about public bodies and the OT's
  own visits: published exactly and live. An organisation that asked not to be named ("niet
  publiceren") is counted in national totals only: it is left out of every figure per
  province, per gemeente and on the maps, and shown as "niet gepubliceerd"; the tables per
  province carry the remainder as a row of its own, so that they still add up to the
  national total.
* **Figures about people** (aftercare, and what voorgesprekken record about incidents and
  themes) exist only as frozen releases (:mod:`reporting.domain.release`):
  :func:`release_tables` shows one as stored.

A table is a title, column names and rows whose cells are counts, statistics or text.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ontour.contracts.intake import OrganisatieSoort, TourStatus
from ontour.formatting import format_datum
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting import repository
from reporting.config import Settings
from reporting.domain import protocol
from reporting.domain.disclosure import render, render_percentage, to_json
from reporting.domain.funnel import StageRecord, funnel
from reporting.domain.quarters import month_label
from reporting.domain.release import Release, YearView
from reporting.domain.statistics import RegisteredOrganisation, coverage, forecast, median, p90
from reporting.models import RmOrganisation, RmProtocolAnswer, RmSession, RmVoorgesprek

NOT_PUBLISHED = "niet gepubliceerd"
NOT_DIVIDED = "niet uitgesplitst (organisaties die niet genoemd willen worden)"


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
    percentage_rows: frozenset[int] = frozenset()  # rows whose value is a share

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
        for number, row in enumerate(self.rows):
            line = []
            for index, cell in enumerate(row):
                if isinstance(cell, str):
                    line.append(cell)
                elif index in self.percentages or (index and number in self.percentage_rows):
                    line.append(render_percentage(cell))
                else:
                    line.append(render(cell, 1 if isinstance(cell, float) else None))
            out.append(line)
        return out


def _series_table(name: str, title: str, column: str, counts: Mapping[str, int]) -> Table:
    """A series with its total, exactly."""
    table = Table(name, title, [column, "aantal"], [[label, n] for label, n in counts.items()])
    if counts:
        table.rows.append(["totaal", sum(counts.values())])
    return table


def _months(days: Iterable[date]) -> dict[str, int]:
    counter = Counter(day.replace(day=1) for day in days)
    return {month_label(month): counter[month] for month in sorted(counter)}


def _yes_no(reached: bool) -> str:
    return "ja" if reached else "nee"


def _share(part: int, whole: int) -> float | str:
    return part / whole if whole else "—"


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
) -> list[Table]:
    """The tour's figures for a period and (optionally) one province, exactly."""
    by_code = {o.code: o for o in organisations}
    hidden = {o.code for o in organisations if o.not_published}

    def in_region(code: str) -> bool:
        return province is None or (
            code in by_code and by_code[code].province_code == province and code not in hidden
        )

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
        by_code[v.organisation_code].province_code for v in held
        if v.organisation_code in by_code and v.organisation_code not in hidden
    )  # fmt: skip
    per_province_counts = {
        names.get(c, c): n
        for c, n in sorted(per_province.items(), key=lambda item: names.get(item[0], item[0]))
    }
    if undivided := sum(1 for v in held if v.organisation_code in hidden):
        per_province_counts[NOT_DIVIDED] = undivided
    tables = [
        _series_table("voorgesprekken-per-maand", "Voorgesprekken gehouden per maand", "maand",
                      _months(v.held_on for v in held)),
        _series_table("voorgesprekken-per-provincie", "Voorgesprekken gehouden per provincie",
                      "provincie", per_province_counts),
        _series_table("voorgesprekken-per-soort", "Voorgesprekken gehouden per soort organisatie",
                      "soort", dict(Counter(by_code[v.organisation_code].kind for v in held
                                            if v.organisation_code in by_code))),
        _series_table("sessies-per-maand", "Sessies gehouden per maand", "maand",
                      _months(s.on for s in sessions_held)),
    ]  # fmt: skip
    tables += _coverage_tables(organisations, held, sessions_held, province, names, hidden)
    tables.append(_funnel_table(held, confirmed, sessions_held))

    scores = [float(s.evaluation_score) for s in sessions_held if s.evaluation_score]
    participants = sum(s.participants or 0 for s in sessions_held)
    headline = Table("kerncijfers", "Kerncijfers van de tour", ["", "waarde"])
    headline.rows = [
        ["voorgesprekken gehouden", len(held)],
        ["organisaties met een voorgesprek", len({v.organisation_code for v in held})],
        ["sessies gepland of gehouden", len(confirmed)],
        ["sessies gehouden", len(sessions_held)],
        ["deelnemers aan sessies", participants],
        ["evaluatiecijfer (mediaan)", median(scores) if scores else "—"],
    ]
    if tour_start <= today:
        expected = forecast(len(sessions_held), start=tour_start, today=today, end=tour_end,
                            target=target_sessions)  # fmt: skip
        goal = f"doel: sessies gehouden op {format_datum(tour_end)}"
        headline.rows.append([goal, target_sessions])
        headline.rows.append(["verwacht bij het huidige tempo", expected.projected_total])
    return [headline, *tables]


async def tour(
    session: AsyncSession, settings: Settings, *, period: Period, province: str | None,
    today: date,
) -> list[Table]:  # fmt: skip
    """The tour's figures as the read models hold them now."""
    organisations = await repository.all_rows(session, RmOrganisation)
    voorgesprekken = await repository.all_rows(session, RmVoorgesprek)
    tables = tour_figures(
        organisations, voorgesprekken, await repository.all_rows(session, RmSession),
        period=period, province=province, today=today, tour_start=settings.tour_start,
        tour_end=settings.tour_end, target_sessions=settings.target_sessions,
    )  # fmt: skip
    answers = await repository.all_rows(session, RmProtocolAnswer)
    tables.append(protocol_table(organisations, voorgesprekken, answers, period, province))
    return tables


PROTOCOL_TABLE = "melden-helpt-per-provincie"


def protocol_table(
    organisations: Sequence[RmOrganisation], voorgesprekken: Sequence[RmVoorgesprek],
    answers: Sequence[RmProtocolAnswer], period: Period, province: str | None,
) -> Table:  # fmt: skip
    """Melden helpt (:mod:`reporting.domain.protocol`): of the organisations with a
    voorgesprek in the period, how many have an agressieprotocol and a meldpunt voor
    ambtsdragers, at their (first) voorgesprek and now; per province for the organisations
    that may be named, the others in a row of their own, and the total."""
    columns = ["provincie", "organisaties met een voorgesprek"]
    for name in protocol.COUNTED.values():
        columns += [f"{name} bij het voorgesprek: aantal", f"{name} bij het voorgesprek: aandeel",
                    f"{name} nu: aantal", f"{name} nu: aandeel"]  # fmt: skip
    table = Table(
        PROTOCOL_TABLE, "Melden helpt: organisaties met een agressieprotocol en met een meldpunt"
        " voor ambtsdragers, bij hun voorgesprek en nu", columns,
        percentages=frozenset(range(3, len(columns), 2)),
    )  # fmt: skip
    by_code = {o.code: o for o in organisations}
    names = {o.code: o.name for o in organisations if o.kind == "provincie"}
    first: dict[str, date] = {}
    for v in voorgesprekken:
        if v.status == "gehouden" and v.organisation_code in by_code:
            first[v.organisation_code] = min(v.held_on, first.get(v.organisation_code, v.held_on))
    counted = {
        v.organisation_code for v in voorgesprekken
        if v.status == "gehouden" and v.held_on in period and v.organisation_code in by_code
        and (province is None or (by_code[v.organisation_code].province_code == province
                                  and not by_code[v.organisation_code].not_published))
    }  # fmt: skip
    rows = [protocol.Answer(a.organisation_code, a.topic, a.since, a.answer) for a in answers]
    groups: dict[str, set[str]] = defaultdict(set)
    for code in counted:
        organisation = by_code[code]
        label = NOT_DIVIDED if organisation.not_published else organisation.province_code
        groups[label].add(code)
    ordered = sorted((g for g in groups if g != NOT_DIVIDED), key=lambda c: names.get(c, c))
    for label, codes in [*((names.get(g, g), groups[g]) for g in ordered),
                         *([(NOT_DIVIDED, groups[NOT_DIVIDED])] if NOT_DIVIDED in groups else []),
                         *([("totaal", counted)] if counted else [])]:  # fmt: skip
        found = protocol.tally({code: first[code] for code in codes}, rows)
        row: list[Any] = [label, found.organisations]
        for topic in protocol.COUNTED:
            row += [found.then[topic], _share(found.then[topic], found.organisations),
                    found.now[topic], _share(found.now[topic], found.organisations)]  # fmt: skip
        table.rows.append(row)
    return table


async def provinces(session: AsyncSession) -> dict[str, str]:
    """The provinces in the current register: code and name."""
    return {
        row.code: row.name
        for row in await repository.all_rows(session, RmOrganisation)
        if row.kind == "provincie" and row.valid_until is None
    }


def _coverage_tables(
    organisations: Sequence[RmOrganisation], held: Sequence[RmVoorgesprek],
    sessions_held: Sequence[RmSession], province: str | None, names: Mapping[str, str],
    hidden: set[str],
) -> list[Table]:  # fmt: skip
    """Coverage nationally, per province and per gemeente (the maps' tables)."""
    by_code = {o.code: o for o in organisations}
    register = [
        r for r in _register(organisations)
        if province is None or (r.province_code == province and r.code not in hidden)
    ]  # fmt: skip
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
    tables = [coverage_table, per_province_table, per_gemeente_table]
    if not register:
        return tables
    known = {r.code for r in register}
    reached_v = {v.organisation_code for v in held} & known
    reached_s = {s.organisation_code for s in sessions_held} & known
    # Nationally everyone counts; per province and per gemeente only who may be named.
    national_v, national_s = coverage(reached_v, register), coverage(reached_s, register)
    named = [r for r in register if r.code not in hidden]
    per_v = coverage(reached_v - hidden, named).gemeenten_per_province
    per_s = coverage(reached_s - hidden, named).gemeenten_per_province
    for label, v, s in (
        ("gemeenten", national_v.gemeenten, national_s.gemeenten),
        ("provincies", national_v.provincies, national_s.provincies),
    ):
        coverage_table.rows.append([label, v.reached, _share(v.reached, v.of), s.reached,
                                    _share(s.reached, s.of)])  # fmt: skip
    for code in sorted(per_v, key=lambda c: names.get(c, c)):
        a, b = per_v[code], per_s[code]
        per_province_table.rows.append(
            [names.get(code, code), code, a.of, a.reached, _share(a.reached, a.of), b.reached,
             _share(b.reached, b.of)]
        )  # fmt: skip
    hidden_gemeenten = [r for r in register if r.code in hidden
                        and r.kind is OrganisatieSoort.GEMEENTE]  # fmt: skip
    if hidden_gemeenten and province is None:
        codes = {r.code for r in hidden_gemeenten}
        a_n, b_n = len(codes & reached_v), len(codes & reached_s)
        per_province_table.rows.append(
            [NOT_DIVIDED, "", len(codes), a_n, _share(a_n, len(codes)), b_n,
             _share(b_n, len(codes))]
        )  # fmt: skip
    gemeenten = {r.code: r.province_code for r in register if r.kind is OrganisatieSoort.GEMEENTE}
    for code in sorted(gemeenten, key=lambda c: by_code[c].name):
        stage: list[Any] = (
            [NOT_PUBLISHED, NOT_PUBLISHED] if code in hidden
            else [_yes_no(code in reached_v), _yes_no(code in reached_s)]
        )  # fmt: skip
        per_gemeente_table.rows.append(
            [by_code[code].name, code, names.get(gemeenten[code], gemeenten[code]), *stage]
        )
    return tables


def _funnel_table(
    held: Sequence[RmVoorgesprek], confirmed: Sequence[RmSession],
    sessions_held: Sequence[RmSession],
) -> Table:  # fmt: skip
    records = [StageRecord(v.organisation_code, TourStatus.VOORGESPREK_GEHOUDEN, v.held_on)
               for v in held]  # fmt: skip
    records += [StageRecord(v.organisation_code, TourStatus.SESSIE_GEWENST, v.held_on)
                for v in held if v.session_wish == "ja"]  # fmt: skip
    records += [StageRecord(s.organisation_code, TourStatus.SESSIE_GEPLAND,
                            s.planned_at or s.on) for s in confirmed]  # fmt: skip
    records += [StageRecord(s.organisation_code, TourStatus.SESSIE_GEHOUDEN, s.on)
                for s in sessions_held]  # fmt: skip
    table = Table(
        "trechter", "Van voorgesprek naar sessie (organisaties)",
        ["stap", "van", "naar", "conversie", "doorlooptijd mediaan (dagen)",
         "doorlooptijd p90 (dagen)"],
        percentages=frozenset({3}),
    )  # fmt: skip
    if records:
        found = funnel(records)
        for step in found.steps:
            days = step.lead_times.days
            source, target = found.reached[step.source], found.reached[step.target]
            table.rows.append([
                f"{step.source.value} → {step.target.value}", source, target,
                _share(target, source), median(days) if days else "—", p90(days) if days else "—",
            ])  # fmt: skip
    return table


# --- releases -------------------------------------------------------------------------------------


def release_tables(release: Release) -> list[Table]:
    """A release's tables as stored: every row of the vocabulary, the cells as published."""
    tables = []
    for shape in release.tables:
        column = shape.column or ""
        table = Table(shape.name, shape.title, [column, "aantal"])
        for number, row in enumerate(shape.rows):
            value = release.cell(row.cell)
            table.rows.append([row.label, value])
            if row.cell.rsplit("|", 1)[-1].startswith("aandeel-"):  # a share: a percentage
                table.percentage_rows = table.percentage_rows | {number}
        tables.append(table)
    return tables


def year_tables(view: YearView) -> list[Table]:
    """A year view's tables (the sum of its four released quarters, protected with them)."""
    return [
        Table(shape.name, shape.title, [shape.column or "", "aantal"],
              [[row.label, view.cells[row.cell]] for row in shape.rows])
        for shape in view.tables
    ]  # fmt: skip
