"""Figures about people, published only as releases: one closed quarter, computed once, frozen.

Everything from aftercare, and what voorgesprekken record about incidents and themes, is about
people. A live figure with free filters is a tracker (two overlapping questions that differ by
one request reveal it); so these figures exist only as releases:

* **One closed quarter**, made once the settling time has passed
  (:mod:`reporting.domain.quarters`), stored frozen and served as stored. A late event never
  changes it: it shows up in a later release's "correcties op eerdere kwartalen".
* **Fixed shape**: every category of the vocabulary is a row, in a fixed order, zero or not
  (a missing row would say 0, and "<5" next to it 1..4). An empty quarter is a release too.
* **One suppression pattern** across all its tables: the same requests are counted per month,
  per role, per incident category..., so those tables share their total and are protected as
  one. Primary: every count below the threshold is "<5". Secondary: while the exact attacker
  (:mod:`reporting.domain.attacker`), given this release and every earlier one, can pin a
  hidden cell down or prove a "<5" is at least 1, the cheapest linked cell is hidden too ("x"):
  a small one before a large one, a row before a total. If hiding cannot help, the row is
  merged into its table's "anders" row (with the reason recorded); if that cannot help either,
  the release is refused (:class:`NotPublishable`), never published unprotected.
* **A year** is the sum of its released quarters: a cell is shown only where every quarter's
  cell was, so it tells nothing the quarters did not (:func:`year_view`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ontour.contracts.aftercare import (
    CaseOutcome,
    ForgoneReason,
    IncidentCategory,
    Referral,
    RequesterRole,
    StepKind,
    StepStatus,
)
from ontour.contracts.intake import Thema

from reporting.domain.attacker import (
    Relation,
    Witnesses,
    at_least,
    at_most,
    first_unprotected,
    neighbours,
    sums_to,
)
from reporting.domain.disclosure import (
    Cell,
    Reason,
    Statistic,
    Suppressed,
    protect_statistic,
    share,
    suppress_count,
)
from reporting.domain.quarters import Quarter, month_label
from reporting.domain.statistics import median, p90

OTHER = "anders"
WITHDRAWN = "ingetrokken door de aanvrager"
MERGED = "samengevoegd met anders"
# The cells every aftercare table shares, and the public one voorgesprek tables refer to.
REQUESTS, ENDED, CONTACTED, HELD = "verzoeken", "beeindigd", "eerste-contact", "voorgesprekken"


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """One consented aftercare request as reporting keeps it (dates, no moments)."""

    role: str | None
    incidents: tuple[str, ...]
    wants_woman: bool | None
    requested_on: date | None
    matched_on: date | None = None
    contacted_on: date | None = None
    within_service_level: bool | None = None
    ended_on: date | None = None
    withdrawn: bool = False
    outcome: str | None = None
    referrals: tuple[str, ...] = ()
    days_to_match: int | None = None
    days_to_contact: int | None = None
    already_reported: bool | None = None  # a melding or aangifte before asking for help
    steps: tuple[tuple[str, str, str | None], ...] = ()  # (kind, status, reason) per step

    def led_to(self, kind: str) -> bool:
        """Whether the request led to this step: done (``afgerond``)."""
        return any(k == kind and status == StepStatus.AFGEROND for k, status, _ in self.steps)

    def let_go_because(self) -> set[str]:
        """Why steps of this request were let go (each reason once)."""
        return {r for _, status, r in self.steps if status == StepStatus.AFGEZIEN and r}


@dataclass(frozen=True, slots=True)
class VoorgesprekFacts:
    """One voorgesprek held: what it recorded about people (themes, known incidents)."""

    held_on: date
    themes: tuple[str, ...]
    incident_count: int | None


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    cell: str  # key of its cell in the release (shared cells such as totals appear in many)


@dataclass(frozen=True)
class TableShape:
    name: str
    title: str
    column: str
    rows: tuple[Row, ...]


class NotPublishable(ValueError):
    """The quarter cannot be released without giving someone away."""


@dataclass(frozen=True)
class Release:
    """A quarter's figures about people as published, plus what a later release needs."""

    quarter: Quarter
    threshold: int
    tables: tuple[TableShape, ...]
    cells: Mapping[str, Cell]  # published: a count or its marker
    statistics: Mapping[str, Statistic]  # published medians, p90s and shares
    relations: tuple[Relation, ...]
    counts: Mapping[str, int]  # the true counts behind the cells: kept, never served
    merged: tuple[tuple[str, str, str], ...] = ()  # (table, row, why)
    counted: Mapping[str, int] = field(default_factory=dict)  # requests per quarter id, known now

    def cell(self, key: str) -> Cell | Statistic | str:
        if key in self.statistics:
            return self.statistics[key]
        return self.cells.get(key, MERGED)


def key(quarter: Quarter, table: str, row: str) -> str:
    return f"{quarter.id}|{table}|{row}"


def _vocabulary(values: Iterable[Any]) -> list[str]:
    return [str(getattr(v, "value", v)) for v in values]


ROLES = _vocabulary(RequesterRole)
INCIDENTS = _vocabulary(IncidentCategory)
ENDINGS = [*_vocabulary(CaseOutcome), WITHDRAWN]
REFERRALS = _vocabulary(Referral)
THEMES = _vocabulary(Thema)
CONTACT = ["binnen de termijn", "buiten de termijn", "onbekend"]
# The steps a release counts the requests of that led to them, with their row labels.
LED_TO = {
    StepKind.MELDING.value: "een melding (bij griffie of werkgever)",
    StepKind.AANGIFTE.value: "een aangifte bij de politie",
    StepKind.BEVEILIGINGSADVIES.value: "een beveiligingsadvies",
}
FORGONE = _vocabulary(ForgoneReason)
WISH = ["vraagt een vrouw als peer"]


@dataclass
class _Quarter:
    """A quarter's true counts, relations and table shapes, before protection."""

    quarter: Quarter
    counts: dict[str, int] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    tables: list[TableShape] = field(default_factory=list)
    totals: set[str] = field(default_factory=set)
    public: set[str] = field(default_factory=set)  # published as they are (tour figures)

    def k(self, table: str, row: str) -> str:
        return key(self.quarter, table, row)

    def breakdown(
        self, name: str, title: str, column: str, labels: Sequence[str], counts: Counter[str],
        total: str, total_label: str, *, exclusive: bool, merged: set[str],
    ) -> None:  # fmt: skip
        """A table of one count per label (merged labels counted under "anders") and the
        shared total: exclusive rows sum to it, multi-valued ones are each at most it."""
        merged_into_other = sum(counts[label] for label in merged)
        keys = []
        for label in labels:
            if label in merged:
                continue
            cell = self.k(name, label)
            self.counts[cell] = counts[label] + (merged_into_other if label == OTHER else 0)
            keys.append(cell)
        rows = [Row(label, self.k(name, label)) for label in labels]
        self.tables.append(TableShape(name, title, column, (*rows, Row(total_label, total))))
        if exclusive:
            self.relations.append(sums_to(total, keys))
        else:
            self.relations.extend(at_most(cell, total) for cell in keys)


def _count(values: Iterable[str | None]) -> Counter[str]:
    return Counter(value or OTHER for value in values)


def _tables(
    quarter: Quarter, cases: Sequence[CaseFacts], held: Sequence[VoorgesprekFacts],
    merges: Mapping[str, set[str]], correction: int,
) -> _Quarter:  # fmt: skip
    q = _Quarter(quarter)
    requests = [c for c in cases if c.requested_on in quarter]
    ended = [c for c in cases if c.ended_on in quarter]
    contacted = [c for c in cases if c.contacted_on in quarter]
    total, ended_total, contacted_total = (q.k("nazorg", n) for n in (REQUESTS, ENDED, CONTACTED))
    q.counts.update({total: len(requests), ended_total: len(ended),
                     contacted_total: len(contacted)})  # fmt: skip
    q.totals.update({total, ended_total, contacted_total})

    def merged(table: str) -> set[str]:
        return merges.get(table, set())

    months = [month_label(m) for m in quarter.months]
    q.breakdown(
        "nazorg-per-maand",
        "Nazorgverzoeken per maand",
        "maand",
        months,
        _count(month_label(c.requested_on.replace(day=1)) for c in requests if c.requested_on),
        total,
        "totaal",
        exclusive=True,
        merged=set(),
    )
    q.breakdown(
        "nazorg-per-functie",
        "Nazorgverzoeken per functie van de aanvrager",
        "functie",
        ROLES,
        _count(c.role for c in requests),
        total,
        "totaal",
        exclusive=True,
        merged=merged("nazorg-per-functie"),
    )
    q.breakdown(
        "nazorg-per-incident",
        "Wat er gebeurde (een verzoek kan er meer noemen)",
        "soort incident",
        INCIDENTS,
        Counter(i for c in requests for i in c.incidents),
        total,
        "verzoeken (totaal)",
        exclusive=False,
        merged=merged("nazorg-per-incident"),
    )
    q.relations.append(
        at_least(
            [
                q.k("nazorg-per-incident", i)
                for i in INCIDENTS
                if i not in merged("nazorg-per-incident")
            ],
            total,
        )
    )
    q.breakdown(
        "nazorg-peer-voorkeur",
        "Voorkeur voor de peer",
        "voorkeur",
        WISH,
        Counter(WISH[0] for c in requests if c.wants_woman),
        total,
        "verzoeken (totaal)",
        # One row, not "yes" and "no": two small rows that add up to a total of 5 or more
        # would each be at least 1, whatever else is hidden.
        exclusive=False,
        merged=set(),
    )
    q.breakdown(
        "nazorg-afloop",
        "Afgesloten of ingetrokken verzoeken, naar afloop",
        "afloop",
        ENDINGS,
        _count(WITHDRAWN if c.withdrawn else c.outcome for c in ended),
        ended_total,
        "totaal",
        exclusive=True,
        merged=merged("nazorg-afloop"),
    )
    q.breakdown(
        "nazorg-doorverwijzingen",
        "Doorverwijzingen bij afgesloten verzoeken (een verzoek kan er meer hebben)",
        "naar",
        REFERRALS,
        Counter(r for c in ended for r in c.referrals),
        ended_total,
        "afgesloten of ingetrokken (totaal)",
        exclusive=False,
        merged=set(),
    )
    q.breakdown(
        "nazorg-vervolgstappen",
        "Afgesloten of ingetrokken verzoeken die leidden tot ... (een verzoek kan tot meer leiden)",
        "vervolgstap",
        list(LED_TO.values()),
        Counter(label for c in ended for kind, label in LED_TO.items() if c.led_to(kind)),
        ended_total,
        "afgesloten of ingetrokken (totaal)",
        exclusive=False,
        merged=set(),
    )
    q.breakdown(
        "nazorg-afgezien",
        "Afgesloten of ingetrokken verzoeken waarin van een vervolgstap werd afgezien, naar "
        "reden (een verzoek kan er meer hebben)",
        "reden",
        FORGONE,
        Counter(r for c in ended for r in c.let_go_because()),
        ended_total,
        "afgesloten of ingetrokken (totaal)",
        exclusive=False,
        merged=merged("nazorg-afgezien"),
    )
    q.breakdown("nazorg-eerste-contact", "Eerste contact binnen de termijn", "eerste contact",
                CONTACT, Counter(CONTACT[0] if c.within_service_level else CONTACT[1]
                                 if c.within_service_level is False else CONTACT[2]
                                 for c in contacted), contacted_total, "totaal",
                exclusive=True, merged=set())  # fmt: skip
    correction_cell = q.k("nazorg-correcties", "verzoeken")
    q.counts[correction_cell] = correction
    q.tables.append(TableShape(
        "nazorg-correcties", "Correcties op eerdere kwartalen", "",
        (Row("verzoeken uit eerdere kwartalen die pas na hun vrijgave bekend werden",
             correction_cell),),
    ))  # fmt: skip

    voorgesprekken = [v for v in held if v.held_on in quarter]
    held_total = q.k("voorgesprekken", HELD)
    q.counts[held_total] = len(voorgesprekken)
    q.public.add(held_total)  # a tour figure, published exactly
    q.breakdown(
        "voorgesprekken-themas",
        "Besproken thema's in voorgesprekken (een voorgesprek kan er meer hebben)",
        "thema",
        THEMES,
        Counter(t for v in voorgesprekken for t in v.themes),
        held_total,
        "voorgesprekken gehouden",
        exclusive=False,
        merged=merged("voorgesprekken-themas"),
    )
    with_incidents = q.k("voorgesprekken-incidenten", "met incidenten")
    incidents = q.k("voorgesprekken-incidenten", "incidenten")
    q.counts[with_incidents] = sum(1 for v in voorgesprekken if v.incident_count)
    q.counts[incidents] = sum(v.incident_count or 0 for v in voorgesprekken)
    q.relations += [at_most(with_incidents, held_total), at_least([incidents], with_incidents)]
    if not voorgesprekken:
        # No voorgesprek this quarter (a public figure): its breakdowns are 0 for all to see.
        q.public.update(cell for cell in q.counts if "|voorgesprekken" in cell)
    q.tables.append(TableShape(
        "voorgesprekken-incidenten", "Incidenten die in voorgesprekken bekend werden", "",
        (Row("voorgesprekken waarin incidenten bekend waren", with_incidents),
         Row("bekende incidenten (aantal)", incidents),
         Row("voorgesprekken gehouden", held_total)),
    ))  # fmt: skip
    return q


def _statistics(
    quarter: Quarter, cases: Sequence[CaseFacts], cells: Mapping[str, Cell], threshold: int
) -> tuple[TableShape, TableShape, dict[str, Statistic]]:
    """Lead times (median, p90 of at least ``threshold`` observations) and the headline."""

    def days(values: Iterable[int | None]) -> list[float]:
        return [float(v) for v in values if v is not None]

    to_match = days(c.days_to_match for c in cases if c.matched_on in quarter)
    contacted = [c for c in cases if c.contacted_on in quarter]
    to_contact = days(c.days_to_contact for c in contacted)
    name = "nazorg-doorlooptijden"
    found: dict[str, Statistic] = {
        key(quarter, name, "koppeling-mediaan"): protect_statistic(median, to_match, threshold),
        key(quarter, name, "koppeling-p90"): protect_statistic(p90, to_match, threshold),
        key(quarter, name, "contact-mediaan"): protect_statistic(median, to_contact, threshold),
        key(quarter, name, "contact-p90"): protect_statistic(p90, to_contact, threshold),
    }
    # Whether those who had reported before asking for help wait longer or shorter.
    for group, reported in (("al-gemeld", True), ("niet-gemeld", False)):
        waited = days(c.days_to_contact for c in contacted if c.already_reported is reported)
        found[key(quarter, name, f"contact-mediaan-{group}")] = protect_statistic(
            median, waited, threshold
        )
    lead_times = TableShape(name, "Doorlooptijden in dagen (van verzoek tot ...)", "", (
        Row("koppeling aan een peer, mediaan", key(quarter, name, "koppeling-mediaan")),
        Row("koppeling aan een peer, p90", key(quarter, name, "koppeling-p90")),
        Row("eerste contact, mediaan", key(quarter, name, "contact-mediaan")),
        Row("eerste contact, p90", key(quarter, name, "contact-p90")),
        Row("eerste contact, mediaan, wie vóór het verzoek al had gemeld of aangifte gedaan",
            key(quarter, name, "contact-mediaan-al-gemeld")),
        Row("eerste contact, mediaan, wie dat nog niet had gedaan",
            key(quarter, name, "contact-mediaan-niet-gemeld")),
    ))  # fmt: skip
    total = cells[key(quarter, "nazorg", REQUESTS)]
    online = cells.get(key(quarter, "nazorg-per-incident", IncidentCategory.ONLINE_INTIMIDATIE))
    online_share = key(quarter, "nazorg-kerncijfers", "aandeel-online")
    found[online_share] = (
        share(online, total) if online is not None and total != 0
        else Suppressed(Reason.DERIVED, threshold)
    )  # fmt: skip
    shares = _step_shares(quarter, cells, threshold)
    found.update({cell: value for _, cell, value in shares})
    headline = TableShape("nazorg-kerncijfers", f"Kerncijfers nazorg, {quarter.label}", "", (
        Row("nazorgverzoeken (met toestemming voor statistiek)", key(quarter, "nazorg", REQUESTS)),
        Row("aandeel over online intimidatie", online_share),
        Row("tijd tot eerste contact, mediaan (dagen)", key(quarter, name, "contact-mediaan")),
        *(Row(f"aandeel afgesloten of ingetrokken verzoeken dat leidde tot {label}", cell)
          for label, cell, _ in shares),
    ))  # fmt: skip
    return headline, lead_times, found


def _step_shares(
    quarter: Quarter, cells: Mapping[str, Cell], threshold: int
) -> list[tuple[str, str, Statistic]]:
    """The share of the requests ended this quarter that led to each step of
    :data:`LED_TO`: (its label, its cell, the share), hidden when either count is."""
    ended = cells[key(quarter, "nazorg", ENDED)]
    found = []
    for label in LED_TO.values():
        led_to = cells[key(quarter, "nazorg-vervolgstappen", label)]
        value = (
            share(led_to, ended) if ended != 0 else Suppressed(Reason.DERIVED, threshold)
        )  # fmt: skip
        found.append((label, key(quarter, "nazorg-kerncijfers", f"aandeel-{label}"), value))
    return found


def _protect(q: _Quarter, earlier: Sequence[Release], threshold: int) -> dict[str, Cell]:
    """Primary and secondary suppression checked by the attacker over all releases."""
    cells: dict[str, Cell] = {
        cell: n if cell in q.public else suppress_count(n, threshold)
        for cell, n in q.counts.items()
    }
    known: dict[str, Cell] = {k: v for r in earlier for k, v in r.cells.items()}
    truth = {**{k: v for r in earlier for k, v in r.counts.items()}, **q.counts}
    relations = [*(rel for r in earlier for rel in r.relations), *q.relations]
    linked = neighbours(q.relations)
    found: Witnesses = {}
    while True:
        exposed = first_unprotected(
            {**known, **cells}, relations, around=list(q.counts), truth=truth, witnesses=found
        )
        if exposed is None:
            return cells
        candidate = _cheapest_cover(exposed, cells, q, linked)
        if candidate is None:
            raise _Unprotectable(exposed)
        cells[candidate] = Suppressed(Reason.DERIVABLE, threshold)


class _Unprotectable(Exception):
    def __init__(self, cell: str) -> None:
        super().__init__(cell)
        self.cell = cell


def _cheapest_cover(
    exposed: str, cells: Mapping[str, Cell], q: _Quarter, linked: Mapping[str, set[str]]
) -> str | None:
    """The cell to hide next: among the shown cells nearest to ``exposed`` through the
    relations (walking on through hidden cells), a row before a total, then the smallest."""
    seen, frontier = {exposed}, [exposed]
    while frontier:
        layer = {other for cell in frontier for other in linked.get(cell, ())} - seen
        seen |= layer
        shown = [c for c in layer if isinstance(cells.get(c), int) and c not in q.public]
        if shown:
            return min(shown, key=lambda c: (c in q.totals, cells[c], c))
        frontier = [c for c in layer if isinstance(cells.get(c), Suppressed)]
    return None


def build_release(
    quarter: Quarter,
    cases: Sequence[CaseFacts],
    held: Sequence[VoorgesprekFacts],
    earlier: Sequence[Release],
    threshold: int,
) -> Release:
    """The release of ``quarter`` given every earlier release (oldest first)."""
    released = {r.quarter for r in earlier}
    counted = {
        q.id: sum(
            1 for c in cases if c.requested_on is not None and Quarter.of(c.requested_on) == q
        )
        for q in sorted(released | {quarter})
    }
    before = earlier[-1].counted if earlier else {}
    correction = sum(max(0, counted[q] - n) for q, n in before.items() if q in counted)
    merges: dict[str, set[str]] = {}
    reasons: list[tuple[str, str, str]] = []
    while True:
        q = _tables(quarter, cases, held, merges, correction)
        try:
            cells = _protect(q, earlier, threshold)
            break
        except _Unprotectable as failure:
            _, table, row = failure.cell.split("|")
            if row == OTHER or not any(
                r.label == OTHER for t in q.tables if t.name == table for r in t.rows
            ):
                raise NotPublishable(
                    f"{quarter.id}: de cel '{row}' in '{table}' is af te leiden, hoeveel er ook "
                    "verborgen wordt, en kan niet met 'anders' worden samengevoegd"
                ) from None
            merges.setdefault(table, set()).add(row)
            reasons.append((table, row, "af te leiden, ook met alle buurcellen verborgen"))
    headline, lead_times, statistics = _statistics(quarter, cases, cells, threshold)
    return Release(
        quarter=quarter, threshold=threshold, tables=(headline, *q.tables, lead_times),
        cells=cells, statistics=statistics, relations=tuple(q.relations), counts=q.counts,
        merged=tuple(reasons), counted=counted,
    )  # fmt: skip


# --- a year: the sum of its four released quarters ----------------------------------------------


@dataclass(frozen=True)
class YearView:
    year: int
    tables: tuple[TableShape, ...]
    cells: Mapping[str, Cell | str]
    relations: tuple[Relation, ...]


YEAR_TABLES = (
    "nazorg-per-functie", "nazorg-per-incident", "nazorg-peer-voorkeur", "nazorg-afloop",
    "nazorg-doorverwijzingen", "nazorg-vervolgstappen", "nazorg-afgezien",
    "nazorg-eerste-contact", "voorgesprekken-themas",
    "voorgesprekken-incidenten",
)  # fmt: skip


def year_view(year: int, releases: Sequence[Release]) -> YearView | None:
    """The count tables of a year whose four quarters are released, each cell the sum of the
    quarters' cells, protected together with them.

    Only complete years: a year so far next to the same year one quarter later would give
    that quarter away. A cell whose quarters were all published is their sum (nothing new).
    Otherwise the sum is shown ("<5" when small) only if the attacker, given the quarters and
    every year cell shown so far, still cannot pin down any hidden cell; else it is "x"
    (computed from hidden counts: no bound at all).
    """
    quarters = sorted((r for r in releases if r.quarter.year == year), key=lambda r: r.quarter)
    if len(quarters) != 4:
        return None
    first = quarters[0]
    known: dict[str, Cell] = {k: v for r in quarters for k, v in r.cells.items()}
    truth = {k: v for r in quarters for k, v in r.counts.items()}
    found: Witnesses = {}
    quarter_relations = [rel for r in quarters for rel in r.relations]
    relations = list(quarter_relations)
    cells: dict[str, Cell | str] = {}
    tables = []
    for shape in first.tables:
        if shape.name not in YEAR_TABLES:
            continue
        rows = []
        for index, row in enumerate(shape.rows):
            cell = f"{year}|{shape.name}|{row.label}"
            rows.append(Row(row.label, cell))
            if cell in cells:
                continue
            parts = [_shape(r, shape.name).rows[index].cell for r in quarters]
            values = [known.get(part, MERGED) for part in parts]
            if MERGED in values:
                cells[cell] = MERGED
                continue
            total = sum(r.counts[part] for r, part in zip(quarters, parts, strict=True))
            truth[cell] = total
            hidden_parts = sum(1 for v in values if isinstance(v, Suppressed))
            if hidden_parts == 0:  # the sum of shown cells: nothing new
                shown: Cell = total
            elif hidden_parts == 1:  # the year minus the shown quarters would be that quarter
                shown = Suppressed(Reason.DERIVED, first.threshold)
            else:
                shown = suppress_count(total, first.threshold)
                relation = sums_to(cell, parts)
                if (
                    first_unprotected(
                        {**known, cell: shown},
                        [*relations, relation],
                        around=[cell],
                        truth=truth,
                        witnesses=found,
                    )
                    is None
                ):
                    relations.append(relation)
                else:
                    shown = Suppressed(Reason.DERIVED, first.threshold)
            if not isinstance(shown, Suppressed) or shown.reason is not Reason.DERIVED:
                known[cell] = shown
            cells[cell] = shown
        tables.append(TableShape(shape.name, shape.title, shape.column, tuple(rows)))
    return YearView(year, tuple(tables), cells, tuple(relations[len(quarter_relations) :]))


def _shape(release: Release, name: str) -> TableShape:
    return next(table for table in release.tables if table.name == name)
