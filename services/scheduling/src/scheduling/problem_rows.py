"""Rows as the planner sees them: teamleden, requests and the settings of a planning problem.

The counterpart of ``scheduling.calendar_rows``; both use cases that plan (a planner run and
the check of a change by hand) build their problem from these.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from scheduling.config import Settings
from scheduling.domain.model import (
    Background,
    DateRange,
    PlannerSettings,
    SessionRequest,
    Teamlid,
    Weekday,
    Weights,
)
from scheduling.models import SessionRequestRow, TeamlidRow

_WEEKDAYS = {day.label: day for day in Weekday}


def teamlid_of(row: TeamlidRow) -> Teamlid:
    return Teamlid(
        id=row.id,
        name=row.name,
        background=Background(row.background),
        gender=row.gender,
        home_lat=row.home_lat,
        home_lon=row.home_lon,
        max_per_week=row.max_per_week,
        max_per_month=row.max_per_month,
        languages=frozenset(row.languages or ["nl"]),
        excluded_organisations=frozenset(row.excluded_organisations),
        unavailable_dates=frozenset(row.unavailable_dates),
        preferred_weekdays=frozenset(_WEEKDAYS[d] for d in row.preferred_weekdays),
    )


def request_of(row: SessionRequestRow, organisation: Any) -> SessionRequest | None:
    """The planner's view of a request (None without coordinates or before its submission:
    nothing to plan with)."""
    if organisation is None or organisation.lat is None or organisation.lon is None:
        return None
    if row.requested_on is None:
        return None
    return SessionRequest(
        id=str(row.id),
        organisation_code=row.organisation_code,
        organisation_name=organisation.name,
        lat=organisation.lat,
        lon=organisation.lon,
        requested_at=datetime.combine(row.requested_on, time(), UTC),
        wished_periods=tuple(
            DateRange(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]))
            for p in row.preferred_periods
        ),
        wished_weekdays=frozenset(_WEEKDAYS[d] for d in row.preferred_weekdays),
        avoided_weekdays=frozenset(_WEEKDAYS[d] for d in row.avoid_weekdays),
        needs_woman=row.attention_online_intimidation_women,
        college_takes_part=row.college_takes_part,
    )


def planner_settings(settings: Settings, plan_from: date, time_limit: float) -> PlannerSettings:
    return PlannerSettings(
        plan_from=plan_from,
        tour_end=max(settings.tour_end, plan_from),
        team_size=settings.team_size,
        weights=Weights(
            travel=settings.weight_travel,
            fairness=settings.weight_fairness,
            waiting=settings.weight_waiting,
            pair=settings.weight_pair,
            stability=settings.weight_stability,
        ),
        time_limit_seconds=time_limit,
        workers=settings.planner_workers,
    )
