"""The tour's progress figures as plain arithmetic over plain data (no I/O, no disclosure).

What BZK may see of these is decided in :mod:`reporting.domain.publication`.

Choices made once, here:

* **Percentiles** interpolate linearly between the two nearest ranks (Hyndman & Fan type 7):
  the same as ``numpy.percentile``'s default and the spreadsheet function PERCENTIEL.INC, so an
  analyst can check every figure in a spreadsheet, and the median is the usual median (the
  mean of the two middle values for an even count).
* **Calendar** is Europe/Amsterdam: a moment (an aware ``datetime``) belongs to the day and
  month it was in Amsterdam, a ``date`` is already such a day. Naive datetimes are refused:
  their day is a guess.
* **Days** between two moments count calendar days, so a lead time is a whole number.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ontour.clock import AMSTERDAM
from ontour.contracts.intake import OrganisatieSoort


def local_date(moment: date | datetime) -> date:
    """The Amsterdam calendar day of a moment (a ``date`` is returned as it is)."""
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a moment needs a time zone, got {moment.isoformat()}")
    return moment.astimezone(AMSTERDAM).date()


def days_between(start: date | datetime, end: date | datetime) -> int:
    """Calendar days from ``start`` to ``end`` in Amsterdam (negative when ``end`` is earlier)."""
    return (local_date(end) - local_date(start)).days


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100), linear between the nearest ranks (type 7)."""
    if not values:
        raise ValueError("a percentile of no values")
    if not 0 <= q <= 100:
        raise ValueError(f"q must be within 0..100, got {q}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    below = math.floor(rank)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (rank - below) * (ordered[above] - ordered[below])


def median(values: Sequence[float]) -> float:
    """The 50th percentile."""
    return percentile(values, 50)


def p90(values: Sequence[float]) -> float:
    """The 90th percentile: nine in ten took at most this long."""
    return percentile(values, 90)


def conversion_rate(converted: int, base: int) -> float | None:
    """``converted / base``; ``None`` when there is no base to convert from."""
    return converted / base if base else None


@dataclass(frozen=True, slots=True)
class RegisteredOrganisation:
    """What coverage needs to know of an organisation in the register."""

    code: str
    kind: OrganisatieSoort
    province_code: str  # the province it lies in; a provincie's own code


@dataclass(frozen=True, slots=True)
class Reach:
    """How many of a set of organisations were reached."""

    reached: int
    of: int

    @property
    def share(self) -> float | None:
        return conversion_rate(self.reached, self.of)


@dataclass(frozen=True)
class Coverage:
    """Who was reached: gemeenten and provincies nationally, and gemeenten per province."""

    gemeenten: Reach
    provincies: Reach
    gemeenten_per_province: Mapping[str, Reach]


def coverage(reached: Iterable[str], register: Collection[RegisteredOrganisation]) -> Coverage:
    """The share of the register reached (by a voorgesprek, or by a sessie: call it twice).

    The register gives the denominators (342 gemeenten and 12 provincies in 2025, but it
    changes when gemeenten merge). Every province of the register appears, also when none of
    its gemeenten was reached, so the provinces' counts add up to the national one. A code
    outside the register (reached, or as a gemeente's province) is an error, not a guess.
    """
    codes = set(reached)
    known = {organisation.code for organisation in register}
    if unknown := codes - known:
        raise ValueError(f"reached organisations not in the register: {sorted(unknown)}")
    gemeenten = [org for org in register if org.kind is OrganisatieSoort.GEMEENTE]
    provincies = [org for org in register if org.kind is OrganisatieSoort.PROVINCIE]
    if outside := {g.province_code for g in gemeenten} - {p.code for p in provincies}:
        raise ValueError(f"gemeenten in provinces not in the register: {sorted(outside)}")
    per_province = {
        province.code: _reach(codes, [g for g in gemeenten if g.province_code == province.code])
        for province in sorted(provincies, key=lambda province: province.code)
    }
    return Coverage(_reach(codes, gemeenten), _reach(codes, provincies), per_province)


def _reach(codes: set[str], organisations: Sequence[RegisteredOrganisation]) -> Reach:
    return Reach(sum(org.code in codes for org in organisations), len(organisations))


@dataclass(frozen=True, slots=True)
class Forecast:
    """Where the current pace leads by the end of the tour."""

    done: int
    elapsed_days: int
    remaining_days: int
    target: int
    projected_total: float

    @property
    def per_day(self) -> float:
        return self.done / self.elapsed_days

    @property
    def meets_target(self) -> bool:
        return self.projected_total >= self.target


def forecast(done: int, *, start: date, today: date, end: date, target: int) -> Forecast:
    """Linear projection: ``done / elapsed days × remaining days`` more by ``end``.

    Days are inclusive: on the first day of the tour one day has elapsed, and the last day
    still counts as remaining until it is ``today``; after ``end`` nothing remains. The end
    date is the caller's (configuration): the tour has been extended before.
    """
    if not start <= today:
        raise ValueError(f"the tour starts on {start}, after {today}")
    if not start <= end:
        raise ValueError(f"the tour ends on {end}, before it starts on {start}")
    elapsed = (min(today, end) - start).days + 1
    remaining = max((end - today).days, 0)
    return Forecast(done, elapsed, remaining, target, done + done / elapsed * remaining)
