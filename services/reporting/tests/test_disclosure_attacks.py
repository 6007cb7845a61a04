"""Attacks on published tables: an outsider tries to work out a "<5" and must fail.

The attacker sees only what is published: the numbers shown, which cells show "<5" (so they
lie in 0..4), which show "x" (so they are at least 5, or they would show "<5"), and that every
total is the sum of its parts. For every "<5" it solves two integer programs with scipy's
HiGHS — the least and the greatest value that fits all of that. The cell is safe only when
they differ. The attacker is first shown to break weaker protection, so that its failing on
ours means something.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reporting.domain.disclosure import (
    Cell,
    NotPublishable,
    Reason,
    Suppressed,
    SuppressedHierarchy,
    SuppressedSeries,
    SuppressedTable,
    suppress_hierarchy,
    suppress_series,
    suppress_table,
)
from scipy.optimize import linprog

THRESHOLD = 5
Sums = list[tuple[str, tuple[str, ...]]]  # (total, parts): what everyone knows


@dataclass(frozen=True)
class Layout:
    """The true numbers of a table, by name, and which names are totals of which."""

    truth: dict[str, int]
    sums: Sums


# ----------------------------------------------------------------------------- the attacker


def feasible_ranges(shown: Mapping[str, Cell], sums: Sums) -> dict[str, tuple[int, int]]:
    """For each "<5": the least and greatest value consistent with everything published."""
    unknown = sorted(name for name, cell in shown.items() if isinstance(cell, Suppressed))
    column = {name: i for i, name in enumerate(unknown)}
    rows, rhs = [], []
    for total, parts in sums:
        row, value = np.zeros(len(unknown)), 0
        for name, coefficient in [(total, -1), *((part, 1) for part in parts)]:
            cell = shown[name]
            if isinstance(cell, Suppressed):
                row[column[name]] += coefficient
            else:
                value -= coefficient * cell
        if row.any():
            rows.append(row)
            rhs.append(value)
        else:
            assert value == 0, f"published sum {total} does not add up"
    bounds = [
        (0, THRESHOLD - 1) if shown[name] == Suppressed(Reason.SMALL_COUNT) else (THRESHOLD, None)
        for name in unknown
    ]
    ranges = {}
    for name in unknown:
        if shown[name] != Suppressed(Reason.SMALL_COUNT):
            continue
        extremes = []
        for direction in (1, -1):
            objective = np.zeros(len(unknown))
            objective[column[name]] = direction
            result = linprog(
                objective,
                A_eq=np.array(rows) if rows else None,
                b_eq=np.array(rhs) if rows else None,
                bounds=bounds,
                integrality=np.ones(len(unknown)),
                method="highs",
            )
            assert result.success, result.message
            extremes.append(round(result.x[column[name]]))
        ranges[name] = (extremes[0], extremes[1])
    return ranges


def pinned(shown: Mapping[str, Cell], sums: Sums) -> dict[str, int]:
    """The "<5" cells the attacker recovers exactly."""
    return {name: low for name, (low, high) in feasible_ranges(shown, sums).items() if low == high}


# ----------------------------------------------------------------------------- table shapes


def series_layout(counts: Mapping[str, int]) -> Layout:
    return Layout({**counts, "totaal": sum(counts.values())}, [("totaal", tuple(counts))])


def series_shown(result: SuppressedSeries[str]) -> dict[str, Cell]:
    return {**result.cells, "totaal": result.total}


def table_layout(cells: Mapping[tuple[int, int], int], height: int, width: int) -> Layout:
    truth = {f"{r}/{c}": cells[r, c] for r in range(height) for c in range(width)}
    sums: Sums = []
    for r in range(height):
        parts = tuple(f"{r}/{c}" for c in range(width))
        truth[f"{r}/totaal"] = sum(truth[part] for part in parts)
        sums.append((f"{r}/totaal", parts))
    for c in range(width):
        parts = tuple(f"{r}/{c}" for r in range(height))
        truth[f"totaal/{c}"] = sum(truth[part] for part in parts)
        sums.append((f"totaal/{c}", parts))
    truth["totaal/totaal"] = sum(cells.values())
    sums.append(("totaal/totaal", tuple(f"{r}/totaal" for r in range(height))))
    sums.append(("totaal/totaal", tuple(f"totaal/{c}" for c in range(width))))
    return Layout(truth, sums)


def table_shown(result: SuppressedTable[int, int]) -> dict[str, Cell]:
    assert result.grand_total is not None
    shown = {f"{r}/{c}": cell for (r, c), cell in result.cells.items()}
    shown |= {f"{r}/totaal": cell for r, cell in result.row_totals.items()}
    shown |= {f"totaal/{c}": cell for c, cell in result.column_totals.items()}
    return {**shown, "totaal/totaal": result.grand_total}


def hierarchy_layout(groups: Mapping[str, Mapping[str, int]]) -> Layout:
    truth: dict[str, int] = {}
    sums: Sums = []
    for group, members in groups.items():
        parts = tuple(f"{group}/{member}" for member in members)
        truth |= {f"{group}/{member}": n for member, n in members.items()}
        truth[f"{group}/totaal"] = sum(members.values())
        sums.append((f"{group}/totaal", parts))
    truth["totaal"] = sum(truth[f"{group}/totaal"] for group in groups)
    sums.append(("totaal", tuple(f"{group}/totaal" for group in groups)))
    return Layout(truth, sums)


def hierarchy_shown(result: SuppressedHierarchy[str, str]) -> dict[str, Cell]:
    shown: dict[str, Cell] = {"totaal": result.total}
    for group, series in result.groups.items():
        shown |= {f"{group}/{member}": cell for member, cell in series.cells.items()}
        shown[f"{group}/totaal"] = series.total
    return shown


def everything_hidden(layout: Layout) -> dict[str, Cell]:
    """The table with every number hidden, each with its truthful marker."""
    return {
        name: Suppressed(Reason.SMALL_COUNT if value < THRESHOLD else Reason.DERIVABLE)
        for name, value in layout.truth.items()
    }


# ----------------------------------------------------------------------------- what must hold


def assert_safe(layout: Layout, shown: Mapping[str, Cell]) -> None:
    """Truthful markers, the rule on every cell (margins too), and nothing to recover."""
    assert shown.keys() == layout.truth.keys()
    for name, value in layout.truth.items():
        if value < THRESHOLD:
            assert shown[name] == Suppressed(Reason.SMALL_COUNT), name
        else:
            assert shown[name] in (value, Suppressed(Reason.DERIVABLE)), name
    for total, parts in layout.sums:
        hidden = sum(isinstance(shown[name], Suppressed) for name in (total, *parts))
        assert hidden != 1, f"a lone hidden cell in the sum {total}"
    assert pinned(shown, layout.sums) == {}
    for name, (low, high) in feasible_ranges(shown, layout.sums).items():
        assert low <= layout.truth[name] <= high


# ----------------------------------------------------------------------------- the attacker works


def test_attacker_recovers_a_count_hidden_without_a_sibling():
    layout = series_layout({"a": 3, "b": 50})
    shown = {"a": Suppressed(Reason.SMALL_COUNT), "b": 50, "totaal": 53}
    assert pinned(shown, layout.sums) == {"a": 3}


def test_attacker_beats_two_small_siblings_that_add_up_to_eight():
    layout = series_layout({"a": 4, "b": 4, "c": 100})
    small = Suppressed(Reason.SMALL_COUNT)
    assert pinned({"a": small, "b": small, "c": 100, "totaal": 108}, layout.sums) == {
        "a": 4,
        "b": 4,
    }


def test_attacker_uses_that_an_x_is_at_least_five():
    layout = series_layout({"a": 0, "b": 5, "c": 100})
    shown = {
        "a": Suppressed(Reason.SMALL_COUNT),
        "b": Suppressed(Reason.DERIVABLE),
        "c": 100,
        "totaal": 105,
    }
    assert pinned(shown, layout.sums) == {"a": 0}


def test_attacker_combines_rows_and_columns():
    # a row-wise pattern: row 0 has two hidden cells, but column 0's total gives 3 away
    layout = table_layout({(0, 0): 3, (0, 1): 10, (1, 0): 12, (1, 1): 20}, 2, 2)
    shown: dict[str, Cell] = dict(layout.truth)
    shown["0/0"] = Suppressed(Reason.SMALL_COUNT)
    shown["0/1"] = Suppressed(Reason.DERIVABLE)
    assert pinned(shown, layout.sums) == {"0/0": 3}


def test_attacker_sees_through_a_hidden_margin():
    # hiding the row total does not help when the grand total minus the other row gives it
    layout = table_layout({(0, 0): 1, (0, 1): 2, (1, 0): 30, (1, 1): 40}, 2, 2)
    shown: dict[str, Cell] = dict(layout.truth)
    for name in ("0/0", "0/1", "0/totaal"):
        shown[name] = Suppressed(Reason.SMALL_COUNT)
    for name in ("1/0", "1/1"):
        shown[name] = Suppressed(Reason.DERIVABLE)
    assert pinned(shown, layout.sums) == {"0/totaal": 3}


# ----------------------------------------------------------------------------- and fails on ours


@pytest.mark.parametrize(
    "counts",
    [
        {"a": 3, "b": 50, "c": 20, "d": 7},
        {"a": 4, "b": 4, "c": 100},
        {"a": 0, "b": 5, "c": 100},
        {"a": 1, "b": 2},
        {"a": 0, "b": 0, "c": 0},
        {"jan": 6, "feb": 0, "mrt": 9, "apr": 4, "mei": 5},
    ],
)
def test_series_resist_the_attack(counts):
    assert_safe(series_layout(counts), series_shown(suppress_series(counts)))


@pytest.mark.parametrize(
    "rows",
    [
        [[3, 10], [12, 20]],
        [[2, 1], [30, 40]],
        [[4, 4, 4], [4, 4, 4]],
        [[0, 0, 7], [0, 9, 0], [6, 0, 0]],
        [[1, 20, 30, 40], [50, 60, 3, 70], [5, 5, 5, 5]],
        [[0]],
        [[4, 1]],
    ],
)
def test_cross_tables_resist_the_attack(rows):
    cells = {(r, c): n for r, row in enumerate(rows) for c, n in enumerate(row)}
    result = suppress_table(cells)
    assert_safe(table_layout(cells, len(rows), len(rows[0])), table_shown(result))


@pytest.mark.parametrize(
    "groups",
    [
        {"PV20": {"GM0014": 2, "GM0037": 30}, "PV21": {"GM0080": 40, "GM0106": 50}},
        {"PV20": {"GM0014": 1, "GM0037": 2}, "PV21": {"GM0080": 40}},
        {"PV20": {"GM0014": 0}, "PV21": {"GM0047": 3}, "PV22": {"GM0080": 6, "GM0106": 5}},
    ],
)
def test_hierarchies_resist_the_attack(groups):
    assert_safe(hierarchy_layout(groups), hierarchy_shown(suppress_hierarchy(groups)))


def test_a_refused_table_is_one_that_cannot_be_protected():
    cells = {(0, c): 1 for c in range(4)} | {(1, c): 4 for c in range(4)}
    layout = table_layout(cells, 2, 4)
    with pytest.raises(NotPublishable):
        suppress_table(cells)
    assert pinned(everything_hidden(layout), layout.sums)


# ----------------------------------------------------------------------------- random tables

# Small counts come often: they are what the rule is about.
counts = st.one_of(st.integers(0, 4), st.integers(5, 7), st.integers(0, 60))
keys = st.text(alphabet="abcdefgh", min_size=1, max_size=2)
ATTACKS = settings(database=None, deadline=None, max_examples=100)


def _safe_or_truly_unprotectable(layout: Layout, publish) -> None:
    try:
        shown = publish()
    except NotPublishable:
        assert pinned(everything_hidden(layout), layout.sums)
    else:
        assert_safe(layout, shown)


@ATTACKS
@given(st.dictionaries(keys, counts, min_size=1, max_size=8))
def test_random_series_resist_the_attack(data):
    _safe_or_truly_unprotectable(series_layout(data), lambda: series_shown(suppress_series(data)))


@ATTACKS
@given(st.integers(1, 4), st.integers(1, 5), st.data())
def test_random_cross_tables_resist_the_attack(height, width, data):
    values = data.draw(st.lists(counts, min_size=height * width, max_size=height * width))
    cells = {(r, c): values[r * width + c] for r in range(height) for c in range(width)}
    _safe_or_truly_unprotectable(
        table_layout(cells, height, width), lambda: table_shown(suppress_table(cells))
    )


@ATTACKS
@given(
    st.dictionaries(
        keys, st.dictionaries(keys, counts, min_size=1, max_size=5), min_size=1, max_size=4
    )
)
def test_random_hierarchies_resist_the_attack(groups):
    _safe_or_truly_unprotectable(
        hierarchy_layout(groups), lambda: hierarchy_shown(suppress_hierarchy(groups))
    )
