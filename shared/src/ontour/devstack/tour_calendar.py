"""The demo's calendar of the tour: when councils meet, so when the team visits them.

Councils do not meet in the summer recess (mid-July to the end of August) nor around
Christmas; they meet most in spring and autumn. In an election year for gemeenteraden (March
2026, then every four years) the weeks before the election are quiet and the new councils
ask for voorgesprekken afterwards. Pure functions of a date: every loader and the demo test
use the same calendar, so the demo is the same on every day it is generated for.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from datetime import date, timedelta

TOUR_START = date(2022, 6, 15)  # the tour has run since mid-2022
FIRST_ELECTION = date(2026, 3, 18)  # gemeenteraadsverkiezingen, then every four years
# Relative weight of a month for voorgesprekken and sessions (recess days weigh nothing).
MONTH_WEIGHT = {1: 0.7, 2: 1.0, 3: 1.3, 4: 1.3, 5: 1.2, 6: 1.1, 7: 0.6, 8: 0.4, 9: 1.4,
                10: 1.4, 11: 1.3, 12: 0.7}  # fmt: skip


def in_recess(day: date) -> bool:
    """Summer recess (15 July - 31 August) and Christmas (20 December - 6 January)."""
    summer = (7, 15) <= (day.month, day.day) <= (8, 31)
    christmas = (day.month, day.day) >= (12, 20) or (day.month, day.day) <= (1, 6)
    return summer or christmas


def resumes(day: date) -> date:
    """``day``, or the first day after the recess it falls in."""
    while in_recess(day):
        day += timedelta(days=1)
    return day


def _election_weight(day: date) -> float:
    """Quiet in the six weeks before a gemeenteraadsverkiezing, busy in the three months after."""
    if (day.year - FIRST_ELECTION.year) % 4:
        return 1.0
    election = FIRST_ELECTION.replace(year=day.year)
    if election - timedelta(days=42) <= day < election:
        return 0.3
    if election <= day < election + timedelta(days=90):
        return 1.6
    return 1.0


def weight(day: date) -> float:
    """How likely the tour works on ``day`` (0: weekend or recess)."""
    if day.weekday() >= 5 or in_recess(day):
        return 0.0
    return MONTH_WEIGHT[day.month] * _election_weight(day)


def working_days(first: date, last: date) -> list[date]:
    return [d for n in range((last - first).days + 1) if weight(d := first + timedelta(days=n))]


def draw_days(rng: random.Random, first: date, last: date, count: int) -> list[date]:
    """``count`` working days between ``first`` and ``last`` (inclusive), by season; sorted."""
    days = working_days(first, last)
    if not days:
        return []
    return sorted(rng.choices(days, weights=[weight(d) for d in days], k=count))


def planning_window(today: date) -> tuple[date, date]:
    """The coming weeks the demo asks sessions in: from a week ahead (or the end of the
    recess) four weeks of council evenings on."""
    first = resumes(today + timedelta(days=7))
    return first, first + timedelta(days=27)


VISITS = 230  # voorgesprekken held since mid-2022
RECENT = 30  # of which in the last ten weeks: their session wishes lie ahead
RECENT_DAYS = 70
# ``ONTOUR_DEMO_SCALE=N`` (benchmarks): the tour over the last five years, with N times the
# older voorgesprekken (the recent ones, whose wishes the planner plans, stay as they are);
# aftercare likewise receives N times the requests over five years.
SCALE = "ONTOUR_DEMO_SCALE"
SCALED_YEARS = 5


def demo_scale() -> int:
    """The demo's scale: 1 (the default) is the tour since mid-2022 as a team runs it."""
    scale = int(os.environ.get(SCALE) or 1)
    if scale < 1:
        raise ValueError(f"{SCALE} must be 1 or more, not {scale}")
    return scale


def tour_start(today: date, scale: int) -> date:
    """Since mid-2022; at a larger scale five years back from ``today``."""
    if scale == 1:
        return TOUR_START
    return today.replace(year=today.year - SCALED_YEARS, day=min(today.day, 28))


EVENINGS = ("maandag", "dinsdag", "woensdag", "donderdag")


@dataclass(frozen=True, slots=True)
class Visit:
    """One held voorgesprek of the demo tour (the organisation is intake's to choose)."""

    held_on: date
    wish: str  # ja, later or nee
    periods: tuple[tuple[date, date], ...] = ()
    preferred_weekdays: tuple[str, ...] = ()
    avoid_weekdays: tuple[str, ...] = ()


def _wish_period(rng: random.Random, held_on: date, today: date, recent: bool) -> tuple[date, date]:
    """A few weeks after the voorgesprek for about two months; one still ahead starts in the
    coming weeks, a third of those with a short period (before a recess, say)."""
    start = resumes(held_on + timedelta(days=21))
    end = start + timedelta(days=55)
    if recent or end >= today:
        start = max(start, planning_window(today)[0])
        end = start + timedelta(days=20 if rng.random() < 0.35 else 55)
    return start, end


def visits(today: date, seed: int = 2022, scale: int | None = None) -> list[Visit]:
    """The tour up to yesterday: about half say yes to a session (the recent ones mostly),
    by season; always the same for the same ``today`` (and scale, default
    :func:`demo_scale`)."""
    scale = demo_scale() if scale is None else scale
    rng = random.Random(seed)
    recent_from = today - timedelta(days=RECENT_DAYS)
    first = tour_start(today, scale)
    days = draw_days(rng, first, recent_from - timedelta(days=1), (VISITS - RECENT) * scale)
    days += draw_days(rng, recent_from, today - timedelta(days=1), RECENT)
    tour = []
    for held_on in days:
        recent = held_on >= recent_from
        wish = rng.choices(["ja", "later", "nee"], [8, 1, 1] if recent else [9, 5, 5])[0]
        if wish != "ja":
            tour.append(Visit(held_on, wish))
            continue
        preferred = rng.sample(EVENINGS, rng.randint(2, 3))
        avoid = [d for d in EVENINGS if d not in preferred][:1]
        period = _wish_period(rng, held_on, today, recent)
        tour.append(Visit(held_on, wish, (period,), tuple(preferred), tuple(avoid)))
    return tour
