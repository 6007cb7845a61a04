"""``ontour reporting audit``: the exact attacker run over everything released so far.

Every release together with all others, and the year views of complete years, as one body of
published information; for each hidden cell (of one release, or of all) its interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reporting.domain.attacker import Interval, Relation, audit
from reporting.domain.disclosure import Cell, Suppressed
from reporting.domain.quarters import Quarter
from reporting.domain.release import MERGED, Release, YearView, year_view


@dataclass(frozen=True, slots=True)
class AuditRow:
    cell: str
    marker: str
    interval: Interval
    protected: bool


def published_information(
    releases: Sequence[Release], years: Sequence[YearView] | None = None
) -> tuple[dict[str, Cell], list[Relation]]:
    """Every published cell and relation: the releases and the year views of complete years
    (computed here when not given)."""
    cells: dict[str, Cell] = {k: v for r in releases for k, v in r.cells.items()}
    relations = [relation for r in releases for relation in r.relations]
    if years is None:
        complete = sorted({r.quarter.year for r in releases})
        years = [v for year in complete if (v := year_view(year, releases)) is not None]
    for view in years:
        cells.update({k: v for k, v in view.cells.items() if v != MERGED})  # type: ignore[misc]
        relations.extend(view.relations)
    return cells, relations


def audit_releases(
    releases: Sequence[Release],
    only: Quarter | None = None,
    years: Sequence[YearView] | None = None,
) -> list[AuditRow]:
    cells, relations = published_information(releases, years)
    keys = [k for k in cells if only is None or k.startswith(f"{only.id}|")]
    rows = []
    for key, interval in audit(cells, relations, keys).items():
        marker = cells[key]
        assert isinstance(marker, Suppressed)
        rows.append(AuditRow(str(key), marker.marker, interval, interval.protects(marker.reason)))
    return rows
