"""Dutch working days, for deadlines (aftercare's service level) and settling times
(reporting's releases).

Monday to Friday, except the Dutch public holidays of the ``holidays`` package
(``holidays.country_holidays("NL")``): Nieuwjaarsdag, Goede Vrijdag, Tweede paasdag,
Koningsdag (27 April, or Saturday 26 April when the 27th is a Sunday), Hemelvaart, Tweede
pinksterdag and both Kerstdagen (Eerste paas- and pinksterdag are Sundays anyway).
Bevrijdingsdag (5 May) follows the package too: a day off only in lustrum years (2025, 2030,
...), as in most collective agreements. Where it is a day off every year (the Rijk), use
``WorkingCalendar(liberation_day_every_year=True)``.
"""

from __future__ import annotations

from datetime import date, timedelta

import holidays

_SATURDAY = 5
SHIFTS_REMEMBERED = 50_000  # answers of shift() kept per calendar


class WorkingCalendar:
    """Dutch working days (see the module docstring for which holidays count)."""

    def __init__(self, *, liberation_day_every_year: bool = False) -> None:
        self._holidays = holidays.country_holidays("NL", language="nl")
        self._liberation_day_every_year = liberation_day_every_year
        # shift() answers: a queue computes the deadline of hundreds of cases per page,
        # mostly from the same few days.
        self._shifted: dict[tuple[date, int], date] = {}

    def holiday(self, day: date) -> str | None:
        """The Dutch name of the public holiday on ``day``, if any."""
        if self._liberation_day_every_year and (day.month, day.day) == (5, 5):
            return "Bevrijdingsdag"
        name: str | None = self._holidays.get(day)
        return name

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < _SATURDAY and self.holiday(day) is None

    def shift(self, day: date, working_days: int) -> date:
        """The day ``working_days`` working days after ``day`` (before it when negative);
        ``day`` itself for zero."""
        key = (day, working_days)
        found = self._shifted.get(key)
        if found is None:
            if len(self._shifted) >= SHIFTS_REMEMBERED:
                self._shifted.clear()
            found = self._shifted[key] = self._shift(day, working_days)
        return found

    def _shift(self, day: date, working_days: int) -> date:
        step = timedelta(days=1 if working_days > 0 else -1)
        for _ in range(abs(working_days)):
            day += step
            while not self.is_working_day(day):
                day += step
        return day


DUTCH_CALENDAR = WorkingCalendar()
