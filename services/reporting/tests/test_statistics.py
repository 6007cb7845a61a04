"""The raw tour figures: percentiles, days, coverage, forecast and months, on known answers."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ontour.contracts.intake import OrganisatieSoort
from reporting.domain.statistics import (
    Reach,
    RegisteredOrganisation,
    conversion_rate,
    coverage,
    days_between,
    forecast,
    local_date,
    median,
    p90,
    percentile,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
GEMEENTE, PROVINCIE = OrganisatieSoort.GEMEENTE, OrganisatieSoort.PROVINCIE


def test_median_of_odd_and_even_counts():
    assert median([7, 1, 3]) == 3
    assert median([4, 1, 3, 2]) == 2.5
    assert median([5]) == 5


def test_p90_interpolates_between_the_nearest_ranks():
    # ten values 1..10: rank (10 - 1) * 0.9 = 8.1, between 9 and 10
    assert p90(list(range(1, 11))) == pytest.approx(9.1)
    assert p90([0, 10]) == pytest.approx(9)
    assert percentile([3, 1, 2], 0) == 1
    assert percentile([3, 1, 2], 100) == 3


@settings(database=None, max_examples=200)
@given(
    st.lists(st.integers(-1000, 1000), min_size=1, max_size=40),
    st.floats(0, 100, allow_nan=False),
)
def test_percentile_matches_numpy_and_spreadsheets(values, q):
    assert percentile(values, q) == pytest.approx(np.percentile(values, q), abs=1e-9)


def test_percentile_refuses_nonsense():
    with pytest.raises(ValueError, match="no values"):
        median([])
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile([1], 101)


def test_days_follow_the_amsterdam_calendar():
    # 23:30 UTC on 31 March 2024 is already 1 April in Amsterdam (summer time, UTC+2)
    late = datetime(2024, 3, 31, 23, 30, tzinfo=UTC)
    assert local_date(late) == date(2024, 4, 1)
    assert local_date(date(2024, 3, 31)) == date(2024, 3, 31)
    assert days_between(date(2024, 3, 30), late) == 2
    assert days_between(late, date(2024, 3, 30)) == -2
    with pytest.raises(ValueError, match="time zone"):
        local_date(datetime(2024, 3, 31, 12, 0))


def test_conversion_rate_without_a_base_is_none():
    assert conversion_rate(3, 4) == 0.75
    assert conversion_rate(0, 0) is None


def _register() -> list[RegisteredOrganisation]:
    provinces = [RegisteredOrganisation(code, PROVINCIE, code) for code in ("PV20", "PV21")]
    gemeenten = [
        RegisteredOrganisation("GM0014", GEMEENTE, "PV20"),
        RegisteredOrganisation("GM0037", GEMEENTE, "PV20"),
        RegisteredOrganisation("GM0047", GEMEENTE, "PV20"),
        RegisteredOrganisation("GM0080", GEMEENTE, "PV21"),
    ]
    return provinces + gemeenten


def test_coverage_nationally_and_per_province():
    result = coverage(["GM0014", "GM0047", "GM0047", "PV21"], _register())
    assert result.gemeenten == Reach(2, 4)
    assert result.gemeenten.share == 0.5
    assert result.provincies == Reach(1, 2)
    assert result.gemeenten_per_province == {"PV20": Reach(2, 3), "PV21": Reach(0, 1)}


def test_coverage_refuses_codes_outside_the_register():
    with pytest.raises(ValueError, match="GM9999"):
        coverage(["GM9999"], _register())
    stray = [*_register(), RegisteredOrganisation("GM0999", GEMEENTE, "PV99")]
    with pytest.raises(ValueError, match="PV99"):
        coverage([], stray)


def test_forecast_at_the_current_pace():
    # 10 days elapsed (1..10 January, inclusive), 20 remaining (11..30 January): 40 sessions
    # at 4 a day become 40 + 4 x 20 = 120.
    result = forecast(
        40, start=date(2025, 1, 1), today=date(2025, 1, 10), end=date(2025, 1, 30), target=100
    )
    assert (result.elapsed_days, result.remaining_days) == (10, 20)
    assert result.per_day == 4
    assert result.projected_total == 120
    assert result.meets_target
    assert not forecast(
        40, start=date(2025, 1, 1), today=date(2025, 1, 10), end=date(2025, 1, 30), target=121
    ).meets_target


def test_forecast_on_the_first_day_and_after_the_end():
    first_day = forecast(
        2, start=date(2025, 1, 1), today=date(2025, 1, 1), end=date(2025, 1, 3), target=6
    )
    assert first_day.projected_total == 6
    after = forecast(
        50, start=date(2025, 1, 1), today=date(2026, 3, 1), end=date(2025, 12, 31), target=60
    )
    assert (after.elapsed_days, after.remaining_days, after.projected_total) == (365, 0, 50)
    assert not after.meets_target


def test_forecast_refuses_impossible_dates():
    with pytest.raises(ValueError, match="starts"):
        forecast(1, start=date(2025, 2, 1), today=date(2025, 1, 1), end=date(2025, 3, 1), target=1)
    with pytest.raises(ValueError, match="ends"):
        forecast(1, start=date(2025, 2, 1), today=date(2025, 2, 1), end=date(2025, 1, 1), target=1)
