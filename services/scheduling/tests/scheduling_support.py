"""Builders for small, hand-made planning instances (places are real town centres)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from scheduling.domain.model import (
    Assignment,
    Background,
    DateRange,
    FixedSession,
    PlannerSettings,
    PlanningProblem,
    SessionRequest,
    Teamlid,
    Weekday,
    Weights,
)
from scheduling.domain.result import Plan, SolveStatus, build_plan
from scheduling.domain.score import Costs

PLACES = {
    "Utrecht": (52.0907, 5.1214),
    "Amersfoort": (52.1561, 5.3878),
    "Zeist": (52.0894, 5.2328),
    "Groningen": (53.2194, 6.5665),
    "Assen": (52.9925, 6.5649),
    "Amsterdam": (52.3676, 4.9041),
    "Zwolle": (52.5168, 6.0830),
    "Maastricht": (50.8514, 5.6910),
}
MONDAY = date(2025, 10, 6)  # week 41 of 2025
TUESDAY, WEDNESDAY = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
WEEK_41 = DateRange(MONDAY, date(2025, 10, 10))
LONG_AGO = datetime(2025, 3, 1)  # waited more than three months: waiting level 4
RECENT = datetime(2025, 10, 1)  # waiting level 1


def teamlid(member_id: str, place: str, **fields: Any) -> Teamlid:
    lat, lon = PLACES[place]
    fields.setdefault("background", Background.ANDERS)
    return Teamlid(id=member_id, home_lat=lat, home_lon=lon, name=member_id, **fields)


def verzoek(request_id: str, place: str, **fields: Any) -> SessionRequest:
    lat, lon = PLACES[place]
    fields.setdefault("organisation_code", f"GM-{place}")
    fields.setdefault("organisation_name", f"Gemeente {place}")
    fields.setdefault("requested_at", RECENT)
    fields.setdefault("wished_periods", (WEEK_41,))
    return SessionRequest(id=request_id, lat=lat, lon=lon, **fields)


def settings(**fields: Any) -> PlannerSettings:
    fields.setdefault("plan_from", MONDAY)
    fields.setdefault("tour_end", date(2025, 12, 19))
    fields.setdefault("workers", 1)
    fields.setdefault("time_limit_seconds", 10.0)
    return PlannerSettings(**fields)


def problem(
    members: list[Teamlid],
    requests: list[SessionRequest],
    *,
    fixed: tuple[FixedSession, ...] = (),
    previous: tuple[Assignment, ...] = (),
    weights: Weights | None = None,
    **setting_fields: Any,
) -> PlanningProblem:
    planner_settings = settings(**setting_fields)
    if weights is not None:
        planner_settings = replace(planner_settings, weights=weights)
    return PlanningProblem(
        tuple(members), tuple(requests), planner_settings, fixed_sessions=fixed, previous=previous
    )


def two_regions() -> PlanningProblem:
    """Two teamleden around Utrecht, two around Groningen; Utrecht and Groningen waited
    long, Zeist (next to Utrecht) asked recently. All within week 41.

    The optimum: Utrecht and Groningen on Monday with their local pairs; Zeist on Tuesday
    with the Utrecht pair (one day's delay of a fresh request is cheaper than delaying one
    that waited long, or than sending the Groningen pair south).
    """
    members = [
        teamlid("A", "Utrecht", gender="vrouw", background=Background.OUD_BURGEMEESTER),
        teamlid("B", "Amersfoort", gender="man"),
        teamlid("C", "Groningen", gender="vrouw"),
        teamlid("D", "Assen"),
    ]
    requests = [
        verzoek("utrecht", "Utrecht", requested_at=LONG_AGO),
        verzoek("groningen", "Groningen", requested_at=LONG_AGO),
        verzoek("zeist", "Zeist"),
    ]
    return problem(members, requests)


def hand_made_plan() -> tuple[PlanningProblem, Costs, Plan]:
    """A re-plan with something of everything: a met and two unmet team wishes, a teamlid off
    their preferred evening, a confirmed session, and against the previous plan one entry
    unchanged, one moved, one with another teamlid and one dropped (its period passed)."""
    members = [
        teamlid("A", "Utrecht", gender="vrouw", preferred_weekdays=frozenset({Weekday.DINSDAG})),
        teamlid("B", "Amersfoort", gender="man"),
        teamlid("C", "Groningen", background=Background.OUD_BURGEMEESTER),
        teamlid("D", "Maastricht"),
    ]
    past = DateRange(MONDAY - timedelta(days=30), MONDAY - timedelta(days=20))
    requests = [
        verzoek("utrecht", "Utrecht", needs_woman=True),
        verzoek("zeist", "Zeist", needs_woman=True, college_takes_part=True),
        verzoek("groningen", "Groningen"),
        verzoek("assen", "Assen", wished_periods=(past,)),
    ]
    previous = (
        Assignment("utrecht", MONDAY, ("A", "B")),  # stays as it was
        Assignment("zeist", MONDAY, ("A", "B")),  # moves and changes team
        Assignment("groningen", TUESDAY, ("C", "D")),  # same evening, D replaced
        Assignment("assen", WEDNESDAY, ("A", "B")),  # drops out
    )
    instance = problem(
        members,
        requests,
        previous=previous,
        fixed=(FixedSession("vast", "GM-Elders", MONDAY + timedelta(days=14), ("D",)),),
    )
    costs = Costs(instance)
    assignments = [
        Assignment("utrecht", MONDAY, ("A", "B")),
        Assignment("zeist", WEDNESDAY, ("B", "D")),
        Assignment("groningen", TUESDAY, ("C", "B")),
    ]
    return instance, costs, build_plan(instance, costs, assignments, SolveStatus.GREEDY)
