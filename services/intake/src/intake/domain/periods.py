"""Wished periods as people write them ("najaar 2024", "maart t/m mei 2025"), as dates (pure).

The planner needs dates, the spreadsheets hold words. Accepted, separated by ``;`` or ``,``:

- seasons with a year: ``voorjaar 2025`` (March–May), ``zomer`` (June–August), ``najaar`` /
  ``herfst`` (September–November), ``winter 2025`` (December 2025–February 2026);
- ``begin 2025`` / ``eind 2025`` (first / last four months), ``Q3 2025``, ``2025``;
- a month or a range of months: ``maart 2025``, ``maart-april 2025``, ``september t/m november
  2025``;
- a range of dates: ``01-09-2025 t/m 30-11-2025`` (each date as ``parse_date`` reads it).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date

from ontour.contracts.intake import Periode

from intake.domain.text import clean, fold

MONTH_NAMES: dict[str, int] = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4,
    "apr": 4, "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
# (first month, number of months)
SEASONS: dict[str, tuple[int, int]] = {
    "voorjaar": (3, 3), "lente": (3, 3), "zomer": (6, 3), "najaar": (9, 3), "herfst": (9, 3),
    "winter": (12, 3), "begin": (1, 4), "eind": (9, 4), "einde": (9, 4),
    "q1": (1, 3), "q2": (4, 3), "q3": (7, 3), "q4": (10, 3),
    "eerste helft": (1, 6), "tweede helft": (7, 6),
}  # fmt: skip
_RANGE = re.compile(r"\s*(?:t/m|tm|tot en met|tot|-|–)\s*")
_YEAR = re.compile(r"(.*?)\s*(\d{4})")
HELP = "schrijf bijvoorbeeld 'najaar 2025', 'maart t/m mei 2025' of '01-09-2025 t/m 30-11-2025'"


class PeriodUnreadable(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _months(first_year: int, first_month: int, count: int) -> Periode:
    start = date(first_year, first_month, 1)
    last_index = first_year * 12 + first_month - 1 + count - 1
    last_year, last_month = divmod(last_index, 12)
    last_month += 1
    end = date(last_year, last_month, calendar.monthrange(last_year, last_month)[1])
    return Periode(start=start, end=end)


def _one(part: str, parse_date: Callable[[str], date]) -> Periode:
    value = fold(part)
    if _RANGE.search(value) and re.search(
        r"\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{2}-\d{2}", value
    ):
        # Dates use "-" themselves: split only on the words, or on " - " with spaces.
        ends = re.split(r"\s+(?:t/m|tm|tot en met|tot)\s+|\s+[-–]\s+", value, maxsplit=1)
        if len(ends) == 2:
            return Periode(start=parse_date(ends[0]), end=parse_date(ends[1]))
    match = _YEAR.fullmatch(value)
    if match is None:
        raise PeriodUnreadable(f"'{clean(part)}': het jaartal ontbreekt; {HELP}")
    words: str = match[1].strip()
    year = int(match[2])
    if not words:
        return Periode(start=date(year, 1, 1), end=date(year, 12, 31))
    if words in SEASONS:
        first, count = SEASONS[words]
        return _months(year, first, count)
    month_words = _RANGE.split(words, maxsplit=1)
    if all(m in MONTH_NAMES for m in month_words):
        first, last = MONTH_NAMES[month_words[0]], MONTH_NAMES[month_words[-1]]
        count = (last - first) % 12 + 1
        return _months(year, first, count)
    raise PeriodUnreadable(f"'{clean(part)}' is geen periode; {HELP}")


def parse_periods(text: str | None, parse_date: Callable[[str], date]) -> tuple[Periode, ...]:
    """The periods in a cell (empty: none); raises ``PeriodUnreadable`` (Dutch reason)."""
    parts = [p for p in (clean(p) for p in re.split(r"[;\n]|,(?!\d)", text or "")) if p]
    periods = tuple(_one(part, parse_date) for part in parts)
    for period in periods:
        if period.end < period.start:
            raise PeriodUnreadable("de einddatum van een periode ligt voor de begindatum")
    return periods
