"""The markers: how hidden numbers show, in Dutch and in JSON, and hidden statistics."""

from __future__ import annotations

import pytest
from reporting.domain.disclosure import (
    Reason,
    Suppressed,
    legend,
    protect_statistic,
    render,
    render_percentage,
    share,
    suppress_count,
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
