"""Statistical disclosure control: the one place that decides which numbers BZK may see.

The API, the dashboard and every export publish counts through this module, so the rule
lives here only:

* **Primary suppression.** Every published count below the threshold (default 5) is shown as
  "<5". That includes 0: the requirement says *every* count below 5, and a 0 next to a "<5"
  would tell that the "<5" is at least 1 — for aftercare figures that alone says that someone
  in that council asked for help. (CBS publishes zeros; our counts are about far fewer people.)
* **Secondary suppression.** Where a table publishes totals (a series with its total, a cross
  table with row, column and grand totals, a province with its gemeenten), more cells are
  hidden until no "<5" can be worked out from the published numbers — by subtraction, or by
  any combination of the sums together with what the markers themselves tell (a "<5" is
  0..4, any other hidden cell is at least 5). Margins obey the same rule: a small total is
  itself "<5" and protected like any cell. The extra cells are the cheapest that work: least
  total value, ties broken by position. That is usually the smallest sibling, but not always:
  a sibling of exactly 5 cannot cover a 0 ("<5" + "x" = 5 can only be 0 + 5). How, see
  :mod:`reporting.domain._protection`. In rare shapes the markers' bounds alone give a "<5"
  away however much is hidden; such a table raises :class:`NotPublishable` (merge rows or
  columns), as does an empty one (its total is 0 to anyone who knows its shape).
* **Markers.** A cell hidden because it is small shows "<5". A cell hidden only to protect
  another shows "x" (CBS's sign for *geheim*): it is at least 5, so "<5" would be untrue.
  Shares and statistics of hidden counts, and statistics (median, p90, mean) of fewer than 5
  observations, show "x" too. :func:`legend` gives the Dutch footnote.
* **JSON.** Every number is ``{"waarde": 12, "onderdrukt": null, "reden": null}`` or
  ``{"waarde": null, "onderdrukt": "<5", "reden": "klein-aantal"}``: ``onderdrukt`` is the
  marker to show, ``reden`` a stable code (:class:`Reason`).

Each table is protected on its own. The same counts published in two differently shaped tables
could be combined; publish a figure in one table shape (:func:`suppress_hierarchy` protects
provinces and their gemeenten together for exactly that reason). A total that covers more than
the listed cells should get its remainder as an explicit cell ("onbekend"), so that the total
is the sum of what is shown.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Generic, TypedDict, TypeVar

from ontour.web.ui import format_getal, format_procent

from reporting.domain._protection import SumConstraint, UnprotectableCell, protect

DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 3
SECONDARY_MARKER = "x"

K = TypeVar("K", bound=Hashable)
R = TypeVar("R", bound=Hashable)
C = TypeVar("C", bound=Hashable)


class Reason(StrEnum):
    """Why a number is not shown (the ``reden`` in JSON)."""

    SMALL_COUNT = "klein-aantal"
    DERIVABLE = "herleidbaar"
    DERIVED = "afgeleid"
    FEW_OBSERVATIONS = "te-weinig-waarnemingen"


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A number that is not published, and why."""

    reason: Reason
    threshold: int = DEFAULT_THRESHOLD

    @property
    def marker(self) -> str:
        """What is shown instead: "<5" for a small count, "x" for everything else."""
        if self.reason is Reason.SMALL_COUNT:
            return f"<{self.threshold}"
        return SECONDARY_MARKER


Cell = int | Suppressed
"""A published count, or its marker."""

Statistic = float | Suppressed
"""A published share (a fraction, 0.25 is 25%) or statistic, or its marker."""


class NotPublishable(ValueError):
    """The table cannot be published safely in this shape: merge rows or columns."""


class JsonCell(TypedDict):
    """How the API publishes one number."""

    waarde: int | float | None
    onderdrukt: str | None
    reden: str | None


@dataclass(frozen=True)
class SuppressedSeries(Generic[K]):
    """A series of counts and their total, ready to publish."""

    cells: Mapping[K, Cell]
    total: Cell


@dataclass(frozen=True)
class SuppressedTable(Generic[R, C]):
    """A cross table ready to publish. Without margins the totals are empty / ``None``."""

    rows: tuple[R, ...]
    columns: tuple[C, ...]
    cells: Mapping[tuple[R, C], Cell]
    row_totals: Mapping[R, Cell]
    column_totals: Mapping[C, Cell]
    grand_total: Cell | None


@dataclass(frozen=True)
class SuppressedHierarchy(Generic[R, K]):
    """Groups (provinces) of members (gemeenten), each with its total, and the overall total."""

    groups: Mapping[R, SuppressedSeries[K]]
    total: Cell


def legend(threshold: int = DEFAULT_THRESHOLD) -> dict[str, str]:
    """The Dutch footnote for the markers, marker → explanation."""
    _check(threshold)
    return {
        f"<{threshold}": f"minder dan {threshold}",
        SECONDARY_MARKER: (
            f"geheim: niet gepubliceerd omdat er anders een aantal onder de {threshold} uit af "
            f"te leiden is, of omdat het berekend is uit een geheim aantal of uit minder dan "
            f"{threshold} waarnemingen"
        ),
    }


def suppress_count(count: int, threshold: int = DEFAULT_THRESHOLD) -> Cell:
    """One count on its own (no total it belongs to): only the primary rule applies."""
    _check(threshold)
    return Suppressed(Reason.SMALL_COUNT, threshold) if count < threshold else count


def suppress_series(
    counts: Mapping[K, int], *, threshold: int = DEFAULT_THRESHOLD
) -> SuppressedSeries[K]:
    """A series (per month, per category...) published with its total, the sum.

    Counts without a published total cannot be derived from one another: give each to
    :func:`suppress_count`.
    """
    constraint = SumConstraint(len(counts), tuple(range(len(counts))))
    *cells, total = _publish(counts, [constraint], ["totaal"], threshold)
    return SuppressedSeries(dict(zip(counts, cells, strict=True)), total)


def suppress_table(
    cells: Mapping[tuple[R, C], int],
    *,
    rows: Sequence[R] | None = None,
    columns: Sequence[C] | None = None,
    with_margins: bool = True,
    threshold: int = DEFAULT_THRESHOLD,
) -> SuppressedTable[R, C]:
    """A cross table with, by default, its row totals, column totals and grand total.

    ``rows`` and ``columns`` fix the order and let a row or column without data appear (every
    province, not only those with sessions); by default they follow ``cells``. A missing
    ``(row, column)`` is 0.
    """
    row_keys = tuple(rows if rows is not None else dict.fromkeys(row for row, _ in cells))
    column_keys = tuple(columns if columns is not None else dict.fromkeys(col for _, col in cells))
    grid = {
        (row, column): cells.get((row, column), 0) for row in row_keys for column in column_keys
    }
    if unknown := set(cells) - set(grid):
        raise ValueError(f"cells outside the given rows and columns: {sorted(map(str, unknown))}")
    if not with_margins:
        inner = {key: suppress_count(n, threshold) for key, n in grid.items()}
        return SuppressedTable(row_keys, column_keys, inner, {}, {}, None)
    height, width = len(row_keys), len(column_keys)
    row_totals = [len(grid) + i for i in range(height)]
    column_totals = [len(grid) + height + j for j in range(width)]
    grand = len(grid) + height + width
    constraints = [
        *(
            SumConstraint(row_totals[i], tuple(i * width + j for j in range(width)))
            for i in range(height)
        ),
        *(
            SumConstraint(column_totals[j], tuple(i * width + j for i in range(height)))
            for j in range(width)
        ),
        SumConstraint(grand, tuple(row_totals)),
        SumConstraint(grand, tuple(column_totals)),
    ]
    labels = [*(f"totaal {row}" for row in row_keys), *(f"totaal {col}" for col in column_keys)]
    published = _publish(grid, constraints, [*labels, "totaal"], threshold)
    return SuppressedTable(
        rows=row_keys,
        columns=column_keys,
        cells=dict(zip(grid, published[: len(grid)], strict=True)),
        row_totals=dict(zip(row_keys, (published[i] for i in row_totals), strict=True)),
        column_totals=dict(zip(column_keys, (published[j] for j in column_totals), strict=True)),
        grand_total=published[grand],
    )


def suppress_hierarchy(
    groups: Mapping[R, Mapping[K, int]], *, threshold: int = DEFAULT_THRESHOLD
) -> SuppressedHierarchy[R, K]:
    """Provinces with their gemeenten: a group's total is the sum of its members, and the
    overall total the sum of the groups. Protected together, so that neither a province's
    total nor the national total gives away a hidden gemeente (or province)."""
    members = {(group, key): n for group, counts in groups.items() for key, n in counts.items()}
    index = itertools.count()
    parts = [[next(index) for _ in counts] for counts in groups.values()]
    group_totals = [len(members) + g for g in range(len(groups))]
    constraints = [
        *(SumConstraint(total, tuple(p)) for total, p in zip(group_totals, parts, strict=True)),
        SumConstraint(len(members) + len(groups), tuple(group_totals)),
    ]
    labels = [f"totaal {group}" for group in groups]
    published = _publish(members, constraints, [*labels, "totaal"], threshold)
    return SuppressedHierarchy(
        groups={
            group: SuppressedSeries(
                dict(zip(counts, (published[i] for i in p), strict=True)), published[total]
            )
            for (group, counts), p, total in zip(groups.items(), parts, group_totals, strict=True)
        },
        total=published[-1],
    )


def share(numerator: Cell, denominator: Cell) -> Statistic:
    """``numerator / denominator`` as a fraction; hidden when either count is hidden."""
    if isinstance(numerator, Suppressed):
        return replace(numerator, reason=Reason.DERIVED)
    if isinstance(denominator, Suppressed):
        return replace(denominator, reason=Reason.DERIVED)
    if denominator <= 0:
        raise ValueError(f"a share needs a positive denominator, got {denominator}")
    return numerator / denominator


def protect_statistic(
    statistic: Callable[[Sequence[float]], float],
    observations: Sequence[float],
    threshold: int = DEFAULT_THRESHOLD,
) -> Statistic:
    """``statistic(observations)`` (a median, p90, mean), hidden below ``threshold`` of them.

    A median of three lead times is one organisation's lead time.
    """
    _check(threshold)
    if len(observations) < threshold:
        return Suppressed(Reason.FEW_OBSERVATIONS, threshold)
    return statistic(observations)


def render(value: Cell | Statistic, decimals: int | None = None) -> str:
    """Dutch display of a count or statistic: "1.234", "12,5", "<5" or "x"."""
    if isinstance(value, Suppressed):
        return value.marker
    return format_getal(value, decimals)


def render_percentage(value: Statistic, decimals: int = 0) -> str:
    """Dutch display of a share: "26%", "25,5%", or "x"."""
    if isinstance(value, Suppressed):
        return value.marker
    return format_procent(value, decimals)


def to_json(value: Cell | Statistic) -> JsonCell:
    """The API form of one number (see the module docstring)."""
    if isinstance(value, Suppressed):
        return {"waarde": None, "onderdrukt": value.marker, "reden": value.reason.value}
    return {"waarde": value, "onderdrukt": None, "reden": None}


def _publish(
    leaves: Mapping[K, int],
    constraints: Sequence[SumConstraint],
    total_labels: Sequence[str],
    threshold: int,
) -> list[Cell]:
    """Leaves and then their totals (in index order), with the rule applied.

    Each total is the sum of its parts, worked out here so it always is; ``total_labels``
    name the totals for an error message.
    """
    _check(threshold)
    if not leaves or any(not constraint.parts for constraint in constraints):
        raise ValueError("an empty table, row or group: its total is 0 for anyone")
    values = list(leaves.values())
    for constraint in sorted(constraints, key=lambda constraint: constraint.total):
        if constraint.total == len(values):
            values.append(sum(values[part] for part in constraint.parts))
    labels = [*map(str, leaves), *total_labels]
    try:
        primary, secondary = protect(values, constraints, threshold)
    except UnprotectableCell as exc:
        raise NotPublishable(
            f"{labels[exc.cell]} can be derived however much is hidden; merge rows or columns"
        ) from exc
    return [
        Suppressed(Reason.SMALL_COUNT, threshold)
        if cell in primary
        else Suppressed(Reason.DERIVABLE, threshold)
        if cell in secondary
        else value
        for cell, value in enumerate(values)
    ]


def _check(threshold: int) -> None:
    """Refuse thresholds too low to protect anything.

    With threshold 2 the series ``1 + 1 = 2`` gives itself away even with every number hidden
    (two cells of at most 1 that add up to at least 2), so 3 is the least we accept.
    """
    if threshold < MIN_THRESHOLD:
        raise ValueError(f"threshold must be at least {MIN_THRESHOLD}, got {threshold}")
