"""When a step of a case happened, and how far back retention reaches.

A step may be recorded after the fact (a request that came in by phone, a first contact
noted the day after): its moment is then given, never in the future nor before the step
before it, and it is the moment of the event and of the service level too.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

from ontour.application.errors import Refused

from aftercare.domain.service_level import AMSTERDAM

# A moment "now" from a client whose clock runs a little ahead is taken as now.
CLOCK_SKEW = timedelta(minutes=2)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # no step of this service lies before


def _shown(moment: datetime) -> str:
    return f"{moment.astimezone(AMSTERDAM):%d-%m-%Y %H:%M}"


def step_moment(
    given: datetime | None,
    field: str,
    now: datetime,
    *,
    after: datetime | None = None,
    previous: str = "",
) -> datetime:
    """When a step happened: ``given`` (Dutch time when it has no zone) or else ``now``.

    Refused (422, naming ``field``) in the future, or before ``after`` (the moment of the
    step before, ``previous``).
    """
    if given is None:
        return now
    moment = given if given.tzinfo is not None else given.replace(tzinfo=AMSTERDAM)
    if moment > now + CLOCK_SKEW:
        raise Refused("ligt in de toekomst", field)
    if moment < EARLIEST:
        raise Refused("ligt te ver in het verleden", field)
    moment = min(moment.astimezone(UTC), now)
    if after is not None and moment < after:
        raise Refused(f"ligt vóór {previous} ({_shown(after)})", field)
    return moment


def months_before(moment: datetime, months: int) -> datetime:
    """The same day ``months`` earlier (the month's last day when that day does not exist)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
