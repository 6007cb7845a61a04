"""The independent checker and check_assignment: every hard rule, explained in Dutch."""

from __future__ import annotations

from datetime import date

import pytest
from scheduling.domain.model import Assignment, DateRange, FixedSession, Weekday
from scheduling.domain.rules import ViolationKind, check_assignment, find_violations
from scheduling_support import MONDAY, problem, teamlid, verzoek

OCTOBER = DateRange(MONDAY, date(2025, 10, 31))
TUESDAY = date(2025, 10, 7)

INSTANCE = problem(
    [
        teamlid(
            "A",
            "Utrecht",
            max_per_week=1,
            max_per_month=2,
            unavailable_dates=frozenset({date(2025, 10, 8)}),
            excluded_organisations=frozenset({"GM-Amersfoort"}),
        ),
        teamlid("B", "Amersfoort"),
        teamlid("C", "Zeist", languages=frozenset({"nl", "fy"})),
        teamlid("D", "Groningen"),
    ],
    [
        verzoek(
            "u",
            "Utrecht",
            wished_periods=(OCTOBER,),
            wished_weekdays=frozenset({Weekday.MAANDAG, Weekday.DINSDAG, Weekday.WOENSDAG}),
            avoided_weekdays=frozenset({Weekday.DONDERDAG}),
            avoided_dates=frozenset({date(2025, 10, 14)}),
        ),
        verzoek("b", "Amersfoort", wished_periods=(OCTOBER,)),
        verzoek("z", "Zeist", wished_periods=(OCTOBER,), language="fy"),
        verzoek("g", "Groningen", wished_periods=(OCTOBER,)),
        verzoek("e1", "Zeist", organisation_code="GM-E1", wished_periods=(OCTOBER,)),
        verzoek("e2", "Zeist", organisation_code="GM-E2", wished_periods=(OCTOBER,)),
    ],
    fixed=(FixedSession("f", "GM-Utrecht", date(2025, 10, 13), ("C", "D")),),
)
PLAN = [
    Assignment("g", TUESDAY, ("C", "D")),
    Assignment("e1", date(2025, 10, 21), ("A", "B")),
    Assignment("e2", date(2025, 10, 28), ("A", "B")),
]


def kinds(change: Assignment) -> set[ViolationKind]:
    return {violation.kind for violation in check_assignment(INSTANCE, PLAN, change)}


def test_a_valid_change_has_no_violations() -> None:
    assert check_assignment(INSTANCE, PLAN, Assignment("u", MONDAY, ("B", "C"))) == []
    # Moving an assignment does not clash with its own old place.
    assert check_assignment(INSTANCE, PLAN, Assignment("g", MONDAY, ("C", "D"))) == []
    assert find_violations(INSTANCE, PLAN) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (Assignment("u", date(2025, 10, 3), ("B", "C")), ViolationKind.BEFORE_PLAN_START),
        (Assignment("u", date(2025, 12, 22), ("B", "C")), ViolationKind.AFTER_TOUR_END),
        (Assignment("u", date(2025, 10, 11), ("B", "C")), ViolationKind.WEEKEND),
        (Assignment("u", date(2025, 11, 3), ("B", "C")), ViolationKind.OUTSIDE_WISHED_PERIOD),
        (Assignment("u", date(2025, 10, 10), ("B", "C")), ViolationKind.NOT_WISHED_WEEKDAY),
        (Assignment("u", date(2025, 10, 9), ("B", "C")), ViolationKind.AVOIDED_WEEKDAY),
        (Assignment("u", date(2025, 10, 14), ("B", "C")), ViolationKind.AVOIDED_DATE),
        (Assignment("u", date(2025, 10, 13), ("A", "B")), ViolationKind.ORGANISATION_BUSY),
        (Assignment("u", MONDAY, ("B",)), ViolationKind.TEAM_SIZE),
        (Assignment("u", MONDAY, ("B", "B")), ViolationKind.TEAM_SIZE),
        (Assignment("u", MONDAY, ("B", "X")), ViolationKind.UNKNOWN_MEMBER),
        (Assignment("nope", MONDAY, ("B", "C")), ViolationKind.UNKNOWN_REQUEST),
        (Assignment("z", MONDAY, ("B", "D")), ViolationKind.LANGUAGE),
        (Assignment("u", date(2025, 10, 8), ("A", "B")), ViolationKind.MEMBER_UNAVAILABLE),
        (Assignment("b", MONDAY, ("A", "C")), ViolationKind.CONFLICT_OF_INTEREST),
        (Assignment("u", TUESDAY, ("B", "C")), ViolationKind.DOUBLE_BOOKING),
        (Assignment("u", date(2025, 10, 20), ("A", "B")), ViolationKind.WEEK_CAP),
        (Assignment("u", MONDAY, ("A", "B")), ViolationKind.MONTH_CAP),
    ],
)
def test_check_assignment_reports_each_kind_of_violation(change, expected) -> None:
    assert expected in kinds(change)


def test_violations_are_explained_in_dutch() -> None:
    messages = [
        v.message
        for v in check_assignment(INSTANCE, PLAN, Assignment("u", date(2025, 10, 20), ("A", "B")))
    ]
    assert "A heeft in week 43 van 2025 al 1 sessie(s) (maximaal 1 per week)." in messages
    assert "A heeft in oktober 2025 al 2 sessie(s) (maximaal 2 per maand)." in messages
    (thursday,) = check_assignment(INSTANCE, PLAN, Assignment("u", date(2025, 10, 9), ("B", "C")))[
        1:
    ]
    assert thursday.message == (
        "Gemeente Utrecht vermijdt de donderdag (bijvoorbeeld vanwege raadsvergaderingen)."
    )


def test_checker_reports_clashes_between_planned_sessions_for_both() -> None:
    clash = [*PLAN, Assignment("u", TUESDAY, ("B", "C"))]
    found = find_violations(INSTANCE, clash)
    assert {(v.request_id, v.member_id) for v in found} == {("g", "C"), ("u", "C")}
    assert {v.kind for v in found} == {ViolationKind.DOUBLE_BOOKING}
    duplicate = find_violations(INSTANCE, [*PLAN, PLAN[0]])
    assert [v.kind for v in duplicate] == [ViolationKind.DUPLICATE_REQUEST]


def test_fixed_sessions_over_a_cap_are_not_the_plans_fault() -> None:
    over = problem(
        [teamlid("A", "Utrecht", max_per_week=1), teamlid("B", "Zeist")],
        [verzoek("u", "Utrecht")],
        fixed=(
            FixedSession("f1", "GM-X", MONDAY, ("A", "B")),
            FixedSession("f2", "GM-Y", TUESDAY, ("A", "B")),
        ),
    )
    assert find_violations(over, []) == []
