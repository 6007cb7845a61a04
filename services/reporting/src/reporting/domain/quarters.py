"""The release calendar: calendar quarters, and when each may be released.

A quarter is named ``2026-K3`` (K for *kwartaal*). Its figures about people are released once
the quarter has closed and a settling time has passed (default 10 Dutch working days, see
:mod:`ontour.workdays`), so that steps recorded a little late are in them and nobody can tell
from the release's date when a particular request came in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ontour.workdays import DUTCH_CALENDAR, WorkingCalendar

DEFAULT_SETTLING_WORKING_DAYS = 10
MONTH_NAMES = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
_ID = re.compile(r"^(20\d{2})-K([1-4])$")


@dataclass(frozen=True, order=True, slots=True)
class Quarter:
    year: int
    number: int  # 1..4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026-K3`` → the quarter; ``ValueError`` for anything else."""
        found = _ID.match(text)
        if found is None:
            raise ValueError(f"not a quarter: {text!r} (expected e.g. 2026-K3)")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def id(self) -> str:
        return f"{self.year}-K{self.number}"

    @property
    def label(self) -> str:
        """Dutch name: "3e kwartaal 2026"."""
        return f"{self.number}e kwartaal {self.year}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.number * 3 - 2, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    @property
    def months(self) -> tuple[date, date, date]:
        """The first day of each of its three months."""
        first = self.number * 3 - 2
        return (
            date(self.year, first, 1),
            date(self.year, first + 1, 1),
            date(self.year, first + 2, 1),
        )

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first_day <= day <= self.last_day

    def next(self) -> Quarter:
        return (
            Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)
        )

    def release_date(
        self,
        settling_working_days: int = DEFAULT_SETTLING_WORKING_DAYS,
        calendar: WorkingCalendar = DUTCH_CALENDAR,
    ) -> date:
        """The first day the quarter may be released: ``settling_working_days`` working days
        after its last day."""
        return calendar.shift(self.last_day, settling_working_days)


def month_label(month: date) -> str:
    """Dutch short name of a month: "jul 2026"."""
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def due_quarters(
    first: Quarter,
    today: date,
    settling_working_days: int = DEFAULT_SETTLING_WORKING_DAYS,
    calendar: WorkingCalendar = DUTCH_CALENDAR,
) -> list[Quarter]:
    """Every quarter from ``first`` whose release date is ``today`` or earlier, in order."""
    due = []
    quarter = first
    while quarter.release_date(settling_working_days, calendar) <= today:
        due.append(quarter)
        quarter = quarter.next()
    return due
