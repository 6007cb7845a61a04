"""The release calendar: quarters by name, and when each may be released (Dutch working days)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from reporting.domain.quarters import Quarter, due_quarters
from reporting.usecases.releases import next_run


def test_quarters_by_name_and_by_day():
    quarter = Quarter.parse("2026-K3")
    assert (quarter.first_day, quarter.last_day) == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter.label == "3e kwartaal 2026"
    assert Quarter.of(date(2026, 12, 31)) == Quarter(2026, 4)
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert date(2026, 8, 15) in quarter and date(2026, 10, 1) not in quarter
    for wrong in ("2026-Q3", "2026-K5", "26-K1", "2026K3", ""):
        with pytest.raises(ValueError, match="not a quarter"):
            Quarter.parse(wrong)


def test_ten_working_days_after_the_quarter_skip_weekends_and_holidays():
    # 30 Sep 2026 is a Wednesday: ten working days later is Wednesday 14 October.
    assert Quarter(2026, 3).release_date() == date(2026, 10, 14)
    # After Q4 2025 come Nieuwjaarsdag and two weekends: Thursday 15 January 2026.
    assert Quarter(2025, 4).release_date() == date(2026, 1, 15)
    # Q1 2027 ends on Wednesday 31 March; Goede Vrijdag (26 Mar) is before it, Tweede paasdag
    # (29 Mar) too, so plain ten working days: 14 April.
    assert Quarter(2027, 1).release_date() == date(2027, 4, 14)
    # Q1 2026 ends on Tuesday 31 March; Goede Vrijdag (3 Apr) and Tweede paasdag (6 Apr) fall
    # in the settling time: Thursday 16 April.
    assert Quarter(2026, 1).release_date() == date(2026, 4, 16)
    assert Quarter(2026, 3).release_date(settling_working_days=0) == date(2026, 9, 30)


def test_due_quarters_from_the_first_in_order():
    first = Quarter(2025, 1)
    assert due_quarters(first, date(2026, 10, 13))[-1] == Quarter(2026, 2)
    assert due_quarters(first, date(2026, 10, 14))[-1] == Quarter(2026, 3)
    assert len(due_quarters(first, date(2026, 10, 14))) == 7
    assert due_quarters(Quarter(2026, 4), date(2026, 12, 6)) == []


def test_the_daily_job_runs_at_its_time_in_amsterdam():
    before = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)  # 05:00 in Amsterdam
    after = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)  # 07:00
    assert next_run(before, time(6, 0)).isoformat() == "2026-12-06T06:00:00+01:00"
    assert next_run(after, time(6, 0)).isoformat() == "2026-12-07T06:00:00+01:00"
