"""The disclosure rule: which numbers are hidden, how they show, and the table shapes."""

from __future__ import annotations

import pytest
from reporting.domain._protection import SumConstraint, protect
from reporting.domain.disclosure import (
    NotPublishable,
    Reason,
    Suppressed,
    legend,
    protect_statistic,
    render,
    render_percentage,
    share,
    suppress_count,
    suppress_hierarchy,
    suppress_series,
    suppress_table,
    to_json,
)
from reporting.domain.statistics import median

SMALL = Suppressed(Reason.SMALL_COUNT)
HIDDEN = Suppressed(Reason.DERIVABLE)


# ----------------------------------------------------------------------------- primary


@pytest.mark.parametrize(("count", "shown"), [(0, SMALL), (1, SMALL), (4, SMALL), (5, 5)])
def test_every_count_below_five_is_hidden_zero_included(count, shown):
    assert suppress_count(count) == shown


def test_the_threshold_is_configurable_but_not_below_three():
    assert suppress_count(9, threshold=10) == Suppressed(Reason.SMALL_COUNT, 10)
    assert render(suppress_count(9, threshold=10)) == "<10"
    for low in (0, 1, 2):
        with pytest.raises(ValueError, match="at least 3"):
            suppress_count(7, threshold=low)


# ----------------------------------------------------------------------------- display


def test_markers_and_dutch_display():
    assert render(SMALL) == "<5"
    assert render(HIDDEN) == "x"
    assert render(Suppressed(Reason.FEW_OBSERVATIONS)) == "x"
    assert render(1234567) == "1.234.567"
    assert render(12.26, decimals=1) == "12,3"
    assert render_percentage(0.256) == "26%"
    assert render_percentage(0.2561, decimals=1) == "25,6%"
    assert render_percentage(Suppressed(Reason.DERIVED)) == "x"


def test_json_form():
    assert to_json(12) == {"waarde": 12, "onderdrukt": None, "reden": None}
    assert to_json(0.5) == {"waarde": 0.5, "onderdrukt": None, "reden": None}
    assert to_json(SMALL) == {"waarde": None, "onderdrukt": "<5", "reden": "klein-aantal"}
    assert to_json(HIDDEN) == {"waarde": None, "onderdrukt": "x", "reden": "herleidbaar"}


def test_legend_explains_both_markers_in_dutch():
    assert legend() == {
        "<5": "minder dan 5",
        "x": "geheim: niet gepubliceerd omdat er anders een aantal onder de 5 uit af te leiden "
        "is, of omdat het berekend is uit een geheim aantal of uit minder dan 5 waarnemingen",
    }
    assert legend(10)["<10"] == "minder dan 10"


# ----------------------------------------------------------------------------- derived numbers


def test_a_share_of_a_hidden_count_is_hidden():
    assert share(10, 40) == 0.25
    assert share(SMALL, 40) == Suppressed(Reason.DERIVED)
    assert share(10, HIDDEN) == Suppressed(Reason.DERIVED)
    assert render_percentage(share(suppress_count(3), 342)) == "x"
    with pytest.raises(ValueError, match="positive"):
        share(10, 0)


def test_a_statistic_of_fewer_than_five_observations_is_hidden():
    assert protect_statistic(median, [3, 9, 1, 4]) == Suppressed(Reason.FEW_OBSERVATIONS)
    assert protect_statistic(median, [3, 9, 1, 4, 7]) == 4
    assert protect_statistic(median, []) == Suppressed(Reason.FEW_OBSERVATIONS)


# ----------------------------------------------------------------------------- series


def test_series_hides_the_smallest_sibling():
    result = suppress_series({"a": 3, "b": 50, "c": 20, "d": 7})
    assert result.cells == {"a": SMALL, "b": 50, "c": 20, "d": HIDDEN}
    assert result.total == 80


def test_series_breaks_ties_by_position():
    assert suppress_series({"a": 3, "b": 7, "c": 7}).cells == {"a": SMALL, "b": HIDDEN, "c": 7}


def test_series_without_small_counts_is_published_whole():
    assert suppress_series({"a": 5, "b": 6}).cells == {"a": 5, "b": 6}


def test_two_hidden_cells_are_not_always_enough():
    # "<5" + "<5" = 108 - 100 = 8 would make both 4: a third cell has to go too.
    result = suppress_series({"a": 4, "b": 4, "c": 100})
    assert result.cells == {"a": SMALL, "b": SMALL, "c": HIDDEN}
    assert result.total == 108


def test_a_sibling_of_exactly_five_cannot_protect_a_zero():
    # "x" is at least 5, so "<5" + "x" = 5 would give 0 + 5: the next cell is taken instead.
    result = suppress_series({"a": 0, "b": 5, "c": 100})
    assert result.cells == {"a": SMALL, "b": 5, "c": HIDDEN}


def test_a_small_total_is_hidden_too():
    result = suppress_series({"a": 1, "b": 2})
    assert result.cells == {"a": SMALL, "b": SMALL}
    assert result.total == SMALL


# ----------------------------------------------------------------------------- cross tables


def test_table_with_margins():
    cells = {("PV20", "gemeente"): 3, ("PV20", "provincie"): 10}
    cells |= {("PV21", "gemeente"): 12, ("PV21", "provincie"): 20}
    result = suppress_table(cells)
    assert result.rows == ("PV20", "PV21")
    assert result.columns == ("gemeente", "provincie")
    assert result.cells == {
        ("PV20", "gemeente"): SMALL,
        ("PV20", "provincie"): HIDDEN,
        ("PV21", "gemeente"): HIDDEN,
        ("PV21", "provincie"): HIDDEN,
    }
    assert result.row_totals == {"PV20": 13, "PV21": 32}
    assert result.column_totals == {"gemeente": 15, "provincie": 30}
    assert result.grand_total == 45


def test_small_margins_are_hidden_and_protected():
    cells = {("a", "x"): 2, ("a", "y"): 1, ("b", "x"): 30, ("b", "y"): 40}
    result = suppress_table(cells)
    # row a's total 3 is small itself; row b's total goes too, else 73 - b would give it away
    assert result.row_totals == {"a": SMALL, "b": HIDDEN}
    assert result.column_totals == {"x": 32, "y": 41}
    assert result.grand_total == 73


def test_table_rows_and_columns_can_be_given_and_missing_cells_are_zero():
    result = suppress_table({("PV20", "sessie"): 7}, rows=["PV20", "PV21"], columns=["sessie"])
    assert result.rows == ("PV20", "PV21")
    assert result.cells[("PV21", "sessie")] == SMALL
    assert result.row_totals["PV21"] == SMALL
    with pytest.raises(ValueError, match="outside"):
        suppress_table({("PV99", "sessie"): 7}, rows=["PV20"], columns=["sessie"])


@pytest.mark.parametrize(
    "publish",
    [
        lambda: suppress_series({}),
        lambda: suppress_table({}),
        lambda: suppress_table({}, rows=["PV20"], columns=[]),
        lambda: suppress_hierarchy({}),
        lambda: suppress_hierarchy({"PV20": {"GM0014": 8}, "PV21": {}}),
    ],
)
def test_empty_shapes_are_refused(publish):
    # an empty sum is 0 for anyone who knows the shape: there is nothing to hide it by
    with pytest.raises(ValueError, match="empty"):
        publish()


def test_table_without_margins_only_hides_small_cells():
    result = suppress_table({("a", "x"): 2, ("a", "y"): 9}, with_margins=False)
    assert result.cells == {("a", "x"): SMALL, ("a", "y"): 9}
    assert (result.row_totals, result.column_totals, result.grand_total) == ({}, {}, None)


def test_a_table_the_bounds_alone_give_away_is_refused():
    # Each column total is a hidden 5 (so at least 5) while the first row adds up to "<5":
    # every cell of the first row must be 1, whatever is hidden. Only a coarser table helps.
    cells = {(0, j): 1 for j in range(4)} | {(1, j): 4 for j in range(4)}
    with pytest.raises(NotPublishable, match="merge"):
        suppress_table(cells)


def test_suppression_is_deterministic():
    cells = {(r, c): (r * 7 + c * 3) % 9 for r in range(4) for c in range(5)}
    assert suppress_table(cells) == suppress_table(dict(cells))


# ----------------------------------------------------------------------------- hierarchy


def test_hierarchy_protects_provinces_and_gemeenten_together():
    result = suppress_hierarchy(
        {"PV20": {"GM0014": 2, "GM0037": 30}, "PV21": {"GM0080": 40, "GM0106": 50}}
    )
    assert result.groups["PV20"].cells == {"GM0014": SMALL, "GM0037": HIDDEN}
    assert result.groups["PV20"].total == 32
    assert result.groups["PV21"].cells == {"GM0080": 40, "GM0106": 50}
    assert result.total == 122


def test_a_small_province_is_protected_within_the_national_total():
    result = suppress_hierarchy({"PV20": {"GM0014": 1, "GM0037": 2}, "PV21": {"GM0080": 40}})
    assert result.groups["PV20"].total == SMALL
    # else 43 - 40 gives PV20 away; hiding PV21 instead would cost GM0080 as well (40 + 40)
    assert result.groups["PV21"].total == 40
    assert result.total == HIDDEN


# ----------------------------------------------------------------------------- the mechanism


def test_the_mechanism_refuses_sums_that_are_no_table():
    # three sums sharing cells in a triangle have no consistent orientation
    triangle = [SumConstraint(3, (0, 1)), SumConstraint(4, (1, 2)), SumConstraint(5, (0, 2))]
    with pytest.raises(ValueError, match="do not form a table"):
        protect([1, 1, 1, 2, 2, 2], triangle, 5)
    in_three = [SumConstraint(1, (0,)), SumConstraint(2, (0,)), SumConstraint(3, (0,))]
    with pytest.raises(ValueError, match="one or two sums"):
        protect([1, 1, 1, 1], in_three, 5)
    with pytest.raises(ValueError, match="one or two sums"):
        protect([1, 1, 7], [SumConstraint(1, (0,))], 5)  # cell 2 is in no sum
