"""Dutch dates, times and numbers, in Europe/Amsterdam time; no web dependency."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.dates import format_date, format_time
from babel.numbers import format_decimal, format_percent

from ontour.clock import AMSTERDAM
from ontour.i18n import N_, kit_gettext

LOCALE = "nl_NL"


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        # Naive datetimes are UTC by convention (the database stores timestamptz).
        value = value.replace(tzinfo=UTC)
    return value.astimezone(AMSTERDAM)


def _as_date(value: Any) -> date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return _as_datetime(value).date()
    if not isinstance(value, date):
        raise TypeError(f"expected a date, got {type(value).__name__}")
    return value


def format_datum(value: Any, format: str = "long") -> str:
    """A Dutch date: ``long`` "30 maart 2025", ``short`` "30-03-2025", ``full`` with weekday.

    Datetimes are first converted to Europe/Amsterdam (naive ones are taken as UTC).
    """
    if value is None or value == "":
        return ""
    return _babel_date(_as_date(value), format)


# Babel takes tens of microseconds per date or number; a page lists hundreds, mostly the
# same few. The answer depends on the value (and its type) and the format only.
@lru_cache(maxsize=8192)
def _babel_date(day: date, format: str) -> str:
    return str(format_date(day, format=format, locale=LOCALE))


@lru_cache(maxsize=8192, typed=True)
def _babel_number(value: Any, pattern: str | None) -> str:
    if pattern is None:
        return str(format_decimal(value, locale=LOCALE))
    return str(format_decimal(Decimal(str(value)), format=pattern, locale=LOCALE))


def format_tijd(value: Any) -> str:
    """A time of day in Amsterdam, "14:05"."""
    if value is None or value == "":
        return ""
    if isinstance(value, time) and not isinstance(value, datetime):
        return str(format_time(value, "HH:mm", locale=LOCALE))
    return str(format_time(_as_datetime(value), "HH:mm", locale=LOCALE))


def format_datumtijd(value: Any, format: str = "long") -> str:
    """Date and time in Amsterdam: "30 maart 2025 om 14:05" (summer and winter time)."""
    if value is None or value == "":
        return ""
    moment = _as_datetime(value)
    return kit_gettext(N_("%(date)s at %(time)s")) % {
        "date": format_datum(moment, format),
        "time": format_tijd(moment),
    }


def format_getal(value: Any, decimals: int | None = None) -> str:
    """A Dutch number: "1.234.567,5"; ``decimals`` fixes the number of decimals."""
    if value is None or value == "":
        return ""
    if decimals is None:
        return _babel_number(value, None)
    return _babel_number(value, "#,##0" + ("." + "0" * decimals if decimals > 0 else ""))


def format_procent(value: Any, decimals: int = 0) -> str:
    """A fraction as a Dutch percentage: 0.256 -> "26%"."""
    if value is None or value == "":
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "") + "%"
    return str(format_percent(value, format=pattern, locale=LOCALE))
