"""Calendar arithmetic and Dutch date wording shared by the rules, the planner and the texts.

Caps count per ISO week and per calendar month; the texts for coordinators are Dutch, and
formatting them here (instead of through the process locale) keeps the output the same on
every machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from functools import cache

from scheduling.domain.model import DateRange, Weekday

MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
NUMBERS = {1: "één", 2: "twee", 3: "drie", 4: "vier", 5: "vijf"}
WORK_WEEK = frozenset({Weekday(day) for day in range(5)})


def week_key(day: date) -> tuple[int, int]:
    """(ISO year, ISO week): the period of the weekly cap."""
    iso = day.isocalendar()
    return iso.year, iso.week


def month_key(day: date) -> tuple[int, int]:
    """(year, month): the period of the monthly cap."""
    return day.year, day.month


def weekday_evenings(first: date, last: date) -> Iterator[date]:
    """Every Monday-Friday from ``first`` up to and including ``last``."""
    day = first
    while day <= last:
        if Weekday.of(day) in WORK_WEEK:
            yield day
        day += timedelta(days=1)


@cache
def tour_evenings(first: date, last: date) -> tuple[date, ...]:
    """:func:`weekday_evenings` as a sorted tuple, computed once per range (every request
    of a planning problem asks for the same one)."""
    return tuple(weekday_evenings(first, last))


def format_date(day: date) -> str:
    """``dinsdag 14 oktober 2025``."""
    return f"{Weekday.of(day).label} {day.day} {MONTHS[day.month - 1]} {day.year}"


def format_month(key: tuple[int, int]) -> str:
    year, month = key
    return f"{MONTHS[month - 1]} {year}"


def format_period(period: DateRange) -> str:
    """``1 oktober 2025 t/m 30 november 2025``."""
    start, end = period.start, period.end
    return (
        f"{start.day} {MONTHS[start.month - 1]} {start.year} t/m "
        f"{end.day} {MONTHS[end.month - 1]} {end.year}"
    )


def format_weekdays(days: Iterable[Weekday]) -> str:
    """``maandag, dinsdag en donderdag``."""
    return join_dutch([day.label for day in sorted(days)])


def join_dutch(items: list[str]) -> str:
    """``a``, ``a en b``, ``a, b en c``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} en {items[-1]}"


def count_word(count: int) -> str:
    """``twee`` for 2: small counts read better as words in a sentence."""
    return NUMBERS.get(count, str(count))


def sessions_text(count: int) -> str:
    """``1 sessie``, ``3 sessies``."""
    return f"{count} sessie" if count == 1 else f"{count} sessies"


def days_text(count: int) -> str:
    """``1 dag``, ``3 dagen``."""
    return f"{count} dag" if count == 1 else f"{count} dagen"
