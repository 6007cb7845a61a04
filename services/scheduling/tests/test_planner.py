"""The tour planner: known optima, every hard rule, reasons, limits, re-planning, properties."""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scheduling.domain.dates import weekday_evenings
from scheduling.domain.diagnosis import UnplannedReason
from scheduling.domain.distance import haversine_km, road_km
from scheduling.domain.greedy import greedy_plan
from scheduling.domain.model import (
    Assignment,
    Background,
    DateRange,
    FixedSession,
    PlanningProblem,
    Weekday,
)
from scheduling.domain.planner import Progress, plan, replan
from scheduling.domain.result import Plan, SolveStatus
from scheduling.domain.rules import find_violations
from scheduling.domain.score import Costs, SoftComponent, score_plan
from scheduling.domain.summary import ChangeKind
from scheduling_support import (
    LONG_AGO,
    MONDAY,
    PLACES,
    RECENT,
    problem,
    teamlid,
    two_regions,
    verzoek,
)

TUESDAY = MONDAY + timedelta(days=1)


def by_request(result: Plan) -> dict[str, Assignment]:
    return {a.request_id: a for a in result.assignments}


# --- distance -----------------------------------------------------------------------------


def test_road_distance_is_great_circle_times_the_road_factor() -> None:
    utrecht, amsterdam = PLACES["Utrecht"], PLACES["Amsterdam"]
    assert haversine_km(*utrecht, *amsterdam) == pytest.approx(34.2, abs=0.5)
    assert road_km(*utrecht, *amsterdam) == pytest.approx(1.3 * haversine_km(*utrecht, *amsterdam))
    assert road_km(*utrecht, *utrecht) == 0


# --- the known optimum --------------------------------------------------------------------


def test_small_instance_gets_its_known_optimum() -> None:
    instance = two_regions()
    result = plan(instance)
    assert result.status is SolveStatus.OPTIMAL
    assert result.solver is not None and result.solver.gap == 0
    assert by_request(result) == {
        "utrecht": Assignment("utrecht", MONDAY, ("A", "B")),
        "groningen": Assignment("groningen", MONDAY, ("C", "D")),
        "zeist": Assignment("zeist", TUESDAY, ("A", "B")),
    }
    assert result.unplanned == ()
    assert result.score.hard == 0
    # The solver's objective is the plan's soft score: both come from the same Costs.
    assert result.solver.objective == result.score.soft


def test_optimum_matches_brute_force_over_every_plan() -> None:
    instance = problem(
        [
            teamlid("A", "Utrecht", gender="vrouw"),
            teamlid("B", "Zwolle", background=Background.OUD_BURGEMEESTER),
            teamlid("C", "Amsterdam", max_per_week=1),
            teamlid("D", "Groningen", unavailable_dates=frozenset({MONDAY})),
        ],
        [
            verzoek("u", "Utrecht", needs_woman=True, requested_at=LONG_AGO),
            verzoek("a", "Amsterdam", college_takes_part=True),
            verzoek("g", "Groningen", avoided_weekdays=frozenset({Weekday.DINSDAG})),
        ],
        tour_end=date(2025, 10, 8),
    )
    costs = Costs(instance)
    options = []
    for request in instance.requests:
        evenings = costs.evenings(request)
        teams = itertools.combinations(sorted(m.id for m in instance.members), 2)
        choices = [Assignment(request.id, d, t) for d, t in itertools.product(evenings, teams)]
        options.append([None, *choices])
    best = min(
        score_plan(instance, plan_, costs).soft
        for combination in itertools.product(*options)
        if not find_violations(instance, plan_ := [a for a in combination if a is not None])
    )
    result = plan(instance)
    assert result.status is SolveStatus.OPTIMAL
    assert result.score.soft == best


def test_planner_beats_or_equals_the_greedy_baseline() -> None:
    instance = two_regions()
    greedy = greedy_plan(instance)
    result = plan(instance)
    assert greedy.status is SolveStatus.GREEDY and greedy.solver is None
    assert result.score.soft <= greedy.score.soft


# --- every hard rule, where the unconstrained optimum would break it ------------------------


def test_weekly_cap_is_respected() -> None:
    instance = problem(
        [
            teamlid("A", "Utrecht", max_per_week=1),
            teamlid("B", "Zeist"),
            teamlid("C", "Groningen"),
        ],
        [verzoek("u", "Utrecht"), verzoek("z", "Zeist")],
    )
    # Without the cap A and B (both close by) would hold both sessions of week 41.
    result = plan(instance)
    with_a = [a for a in result.assignments if "A" in a.member_ids]
    assert len(result.assignments) == 2 and len(with_a) == 1


def test_monthly_cap_counts_fixed_sessions() -> None:
    fixed = FixedSession("f", "GM-Elders", date(2025, 10, 1), ("A", "B"))
    instance = problem(
        [
            teamlid("A", "Utrecht", max_per_month=1),
            teamlid("B", "Zeist"),
            teamlid("C", "Amsterdam"),
        ],
        [verzoek("u", "Utrecht")],
        fixed=(fixed,),
    )
    assert by_request(plan(instance))["u"].member_ids == ("B", "C")


def test_conflict_of_interest_is_respected() -> None:
    instance = problem(
        [
            teamlid("A", "Utrecht", excluded_organisations=frozenset({"GM-Utrecht"})),
            teamlid("B", "Zeist"),
            teamlid("C", "Amsterdam"),
        ],
        [verzoek("u", "Utrecht")],
    )
    assert by_request(plan(instance))["u"].member_ids == ("B", "C")


def test_unavailable_date_is_respected() -> None:
    instance = problem(
        [
            teamlid("A", "Utrecht", unavailable_dates=frozenset({MONDAY})),
            teamlid("B", "Zeist"),
            teamlid("C", "Groningen"),
        ],
        [verzoek("u", "Utrecht", requested_at=LONG_AGO)],
    )
    # One day later with the local pair beats Monday with someone from Groningen.
    assert by_request(plan(instance))["u"] == Assignment("u", TUESDAY, ("A", "B"))


def test_avoided_weekday_and_avoided_date_are_respected() -> None:
    instance = problem(
        [teamlid("A", "Utrecht"), teamlid("B", "Zeist")],
        [
            verzoek(
                "u",
                "Utrecht",
                avoided_weekdays=frozenset({Weekday.MAANDAG}),
                avoided_dates=frozenset({TUESDAY}),
            )
        ],
    )
    assert by_request(plan(instance))["u"].date == date(2025, 10, 8)


def test_wished_weekdays_are_respected() -> None:
    instance = problem(
        [teamlid("A", "Utrecht"), teamlid("B", "Zeist")],
        [verzoek("u", "Utrecht", wished_weekdays=frozenset({Weekday.DONDERDAG}))],
    )
    assert by_request(plan(instance))["u"].date == date(2025, 10, 9)


def test_period_is_cut_off_at_the_tour_end() -> None:
    period = DateRange(date(2025, 12, 18), date(2026, 1, 30))
    instance = problem(
        [
            teamlid("A", "Utrecht"),
            teamlid("B", "Zeist", unavailable_dates=frozenset({period.start})),
        ],
        [verzoek("u", "Utrecht", wished_periods=(period,))],
    )
    assert by_request(plan(instance))["u"].date == date(2025, 12, 19)


def test_fixed_session_books_its_members_and_its_organisation() -> None:
    members = [
        teamlid("A", "Utrecht"),
        teamlid("B", "Zeist"),
        teamlid("C", "Amersfoort"),
        teamlid("D", "Amsterdam"),
    ]
    fixed = (
        FixedSession("f1", "GM-Elders", MONDAY, ("A", "B")),
        FixedSession("f2", "GM-Utrecht", TUESDAY, ("C", "D")),
    )
    waited = verzoek("u", "Utrecht", requested_at=LONG_AGO)
    # Monday: A and B are booked; Tuesday: Utrecht already has its (fixed) session.
    result = plan(problem(members, [waited], fixed=fixed))
    assert by_request(result)["u"] == Assignment("u", date(2025, 10, 8), ("A", "B"))
    assert result.score.hard == 0


def test_team_size_override_and_language() -> None:
    instance = problem(
        [
            teamlid("A", "Utrecht"),
            teamlid("B", "Zeist"),
            teamlid("C", "Groningen", languages=frozenset({"nl", "fy"})),
        ],
        [verzoek("u", "Utrecht", team_size=3), verzoek("g", "Groningen", team_size=1)],
        team_size=2,
    )
    result = by_request(plan(instance))
    assert set(result["u"].member_ids) == {"A", "B", "C"}
    assert result["g"].member_ids == ("C",)
    fy = problem(list(instance.members), [verzoek("z", "Zeist", language="fy")])
    assert "C" in by_request(plan(fy))["z"].member_ids


def test_useful_pairs_are_preferred() -> None:
    instance = problem(
        [
            teamlid("A", "Utrecht"),
            teamlid("B", "Zeist"),
            teamlid("C", "Amersfoort", gender="vrouw"),
            teamlid("D", "Amsterdam", background=Background.OUD_BURGEMEESTER),
        ],
        [verzoek("u", "Utrecht", needs_woman=True, college_takes_part=True)],
    )
    result = plan(instance)
    assert by_request(result)["u"].member_ids == ("C", "D")
    explanation = " ".join(result.sessions[0].explanation)
    assert "Er zit een vrouw in het team" in explanation
    assert "burgemeesterservaring" in explanation


def test_fairness_spreads_the_work() -> None:
    members = [teamlid(m, "Utrecht") for m in "ABCD"]
    requests = [verzoek(f"r{i}", "Utrecht", organisation_code=f"GM{i}") for i in range(4)]
    result = plan(problem(members, requests))
    loads = [sum(m in a.member_ids for a in result.assignments) for m in "ABCD"]
    assert loads == [2, 2, 2, 2]


# --- unplanned requests and their reasons ---------------------------------------------------


@pytest.mark.parametrize(
    ("members", "wish", "fixed", "reason", "text"),
    [
        (
            [teamlid("A", "Utrecht"), teamlid("B", "Zeist")],
            verzoek(
                "r", "Utrecht", wished_periods=(DateRange(date(2026, 2, 2), date(2026, 3, 1)),)
            ),
            (),
            UnplannedReason.PERIOD_AFTER_TOUR,
            "De gewenste periode ligt na het einde van de tour (vrijdag 19 december 2025).",
        ),
        (
            [teamlid("A", "Utrecht"), teamlid("B", "Zeist")],
            verzoek("r", "Utrecht", avoided_weekdays=frozenset(Weekday)),
            (),
            UnplannedReason.NO_MATCHING_EVENING,
            "Er is geen doordeweekse avond in de gewenste periode",
        ),
        (
            [
                teamlid("A", "Utrecht", excluded_organisations=frozenset({"GM-Utrecht"})),
                teamlid("B", "Zeist", excluded_organisations=frozenset({"GM-Utrecht"})),
            ],
            verzoek("r", "Utrecht"),
            (),
            UnplannedReason.CONFLICT_OF_INTEREST,
            "Alle teamleden hebben een belangenconflict met Gemeente Utrecht.",
        ),
        (
            [
                teamlid("A", "Utrecht", excluded_organisations=frozenset({"GM-Utrecht"})),
                teamlid("B", "Zeist"),
            ],
            verzoek("r", "Utrecht"),
            (),
            UnplannedReason.CONFLICT_OF_INTEREST,
            "Er is maar één teamlid zonder belangenconflict met Gemeente Utrecht",
        ),
        (
            [teamlid("A", "Utrecht"), teamlid("B", "Zeist")],
            verzoek("r", "Utrecht", language="fy"),
            (),
            UnplannedReason.LANGUAGE,
            "spreekt de gevraagde taal (fy)",
        ),
        (
            [
                teamlid("A", "Utrecht", unavailable_dates=frozenset({MONDAY, TUESDAY})),
                teamlid(
                    "B",
                    "Zeist",
                    unavailable_dates=frozenset(
                        weekday_evenings(date(2025, 10, 8), date(2025, 10, 10))
                    ),
                ),
            ],
            verzoek("r", "Utrecht"),
            (),
            UnplannedReason.NO_TEAM_AVAILABLE,
            "Geen twee teamleden beschikbaar op dezelfde avond in de gewenste periode",
        ),
        (
            [teamlid("A", "Utrecht", max_per_week=1), teamlid("B", "Zeist", max_per_week=1)],
            verzoek("r", "Utrecht"),
            (FixedSession("f", "GM-Elders", MONDAY, ("A", "B")),),
            UnplannedReason.WEEK_CAP,
            "Weekplafond bereikt",
        ),
        (
            [teamlid("A", "Utrecht", max_per_month=1), teamlid("B", "Zeist", max_per_month=1)],
            verzoek(
                "r", "Utrecht", wished_periods=(DateRange(date(2025, 10, 13), date(2025, 10, 17)),)
            ),
            (FixedSession("f", "GM-Elders", date(2025, 10, 1), ("A", "B")),),
            UnplannedReason.MONTH_CAP,
            "Maandplafond bereikt",
        ),
    ],
)
def test_unplannable_request_gets_its_reason(members, wish, fixed, reason, text) -> None:
    instance = problem(members, [wish], fixed=fixed)
    for result in (plan(instance), greedy_plan(instance)):
        assert result.sessions == ()
        (unplanned,) = result.unplanned
        assert unplanned.reason is reason
        assert text in unplanned.explanation


def test_waiting_longest_first_when_only_one_can_go() -> None:
    only_monday = (DateRange(MONDAY, MONDAY),)
    instance = problem(
        [teamlid("A", "Utrecht"), teamlid("B", "Zeist")],
        [
            verzoek("new", "Zeist", wished_periods=only_monday, requested_at=RECENT),
            verzoek("old", "Utrecht", wished_periods=only_monday, requested_at=LONG_AGO),
        ],
    )
    result = plan(instance)
    assert [a.request_id for a in result.assignments] == ["old"]
    (unplanned,) = result.unplanned
    assert unplanned.request_id == "new"
    assert unplanned.reason is UnplannedReason.TEAM_BOOKED
    assert "al een andere sessie" in unplanned.explanation


# --- limits, progress and cancellation -------------------------------------------------------


def bigger_instance(requests: int = 60, members: int = 10) -> PlanningProblem:
    rng = random.Random(7)
    places = list(PLACES)
    team = [
        teamlid(
            f"T{i}",
            places[i % len(places)],
            gender="vrouw" if i % 2 else "man",
            background=Background.OUD_BURGEMEESTER if i % 3 == 0 else Background.OUD_RAADSLID,
        )
        for i in range(members)
    ]
    wishes = []
    for i in range(requests):
        start = MONDAY + timedelta(days=rng.randint(0, 40))
        wishes.append(
            verzoek(
                f"R{i:02d}",
                rng.choice(places),
                organisation_code=f"GM{i:02d}",
                wished_periods=(DateRange(start, start + timedelta(days=30)),),
                avoided_weekdays=frozenset({Weekday(rng.randrange(5))}),
                needs_woman=rng.random() < 0.3,
                requested_at=LONG_AGO + timedelta(days=rng.randint(0, 200)),
            )
        )
    return problem(team, wishes)


def test_time_limit_returns_the_best_plan_so_far() -> None:
    instance = bigger_instance()
    instance = replace(instance, settings=replace(instance.settings, time_limit_seconds=0.001))
    result = plan(instance)
    assert result.status is SolveStatus.TIME_LIMIT
    assert result.status.best_so_far
    assert result.status.label == "tijdslimiet bereikt: beste planning tot nu toe"
    assert result.score.hard == 0
    assert result.sessions


def test_progress_is_reported_for_improving_solutions() -> None:
    seen: list[Progress] = []
    result = plan(two_regions(), on_progress=seen.append)
    assert seen and all(p.objective >= p.best_bound for p in seen)
    assert [p.solutions for p in seen] == list(range(1, len(seen) + 1))
    assert result.solver is not None and seen[-1].objective == result.solver.objective


@pytest.mark.parametrize("cancel", [threading.Event(), lambda: True])
def test_cancelled_run_returns_the_best_plan_so_far(cancel) -> None:
    if isinstance(cancel, threading.Event):
        cancel.set()
    instance = bigger_instance()
    instance = replace(instance, settings=replace(instance.settings, time_limit_seconds=30))
    result = plan(instance, cancel=cancel)
    assert result.status is SolveStatus.CANCELLED and result.status.best_so_far
    assert result.score.hard == 0
    assert result.solver is not None and result.solver.solve_seconds < 30


# --- re-planning --------------------------------------------------------------------------


def test_replan_after_an_unavailability_changes_only_the_affected_session() -> None:
    instance = bigger_instance(requests=12, members=8)
    first = plan(instance)
    assert first.status is SolveStatus.OPTIMAL
    affected = first.assignments[3]
    absent = affected.member_ids[0]
    members = tuple(
        replace(m, unavailable_dates=m.unavailable_dates | {affected.date}) if m.id == absent else m
        for m in instance.members
    )
    second = plan(replace(instance, members=members, previous=first.assignments))
    before, after = by_request(first), by_request(second)
    changed = {request_id for request_id in before if before[request_id] != after.get(request_id)}
    assert changed == {affected.request_id}
    moved = after[affected.request_id]
    assert not (moved.date == affected.date and absent in moved.member_ids)
    assert second.score.raw(SoftComponent.STABILITY) >= 1
    explanation = second.session_for(affected.request_id)
    assert explanation is not None
    assert any(
        "Gewijzigd ten opzichte van de vorige planning" in line for line in explanation.explanation
    )
    unchanged = second.session_for(first.assignments[0].request_id)
    assert unchanged is not None
    assert "Ongewijzigd ten opzichte van de vorige planning." in unchanged.explanation


def confirmed_and_planned() -> tuple[PlanningProblem, Plan]:
    """A plan of twelve requests next to a confirmed session, as the previous plan."""
    instance = bigger_instance(requests=12, members=8)
    confirmed = FixedSession("bevestigd", "GM-Elders", MONDAY + timedelta(days=9), ("T0", "T1"))
    instance = replace(instance, fixed_sessions=(confirmed,))
    first = plan(instance)
    return replace(instance, previous=first.assignments), first


def test_replan_after_a_cancellation_plans_only_the_cancelled_request_again() -> None:
    instance, first = confirmed_and_planned()
    cancelled = first.assignments[4]
    # The organisation cancels its evening: the request is open again, not on that evening.
    requests = tuple(
        replace(r, avoided_dates=r.avoided_dates | {cancelled.date})
        if r.id == cancelled.request_id
        else r
        for r in instance.requests
    )
    previous = tuple(a for a in first.assignments if a != cancelled)
    second = replan(replace(instance, requests=requests, previous=previous))
    assert second.score.hard == 0  # the confirmed session's teamleden are not double-booked
    assert set(second.assignments) - set(previous) == {by_request(second)[cancelled.request_id]}
    assert by_request(second)[cancelled.request_id].date != cancelled.date
    summary = second.summary
    assert (summary.changes, summary.unchanged, summary.new) == ((), len(previous), 1)


def test_replan_after_an_unavailability_changes_only_the_sessions_on_those_evenings() -> None:
    instance, first = confirmed_and_planned()
    absent = "T3"
    affected = [a for a in first.assignments if absent in a.member_ids][:2]
    evenings = {a.date for a in affected}
    members = tuple(
        replace(m, unavailable_dates=m.unavailable_dates | evenings) if m.id == absent else m
        for m in instance.members
    )
    second = replan(replace(instance, members=members))
    assert second.score.hard == 0
    changes = second.summary.changes
    assert {c.request_id for c in changes} == {a.request_id for a in affected}
    # One change each: another evening with the same team, or the same evening without T3.
    assert second.score.raw(SoftComponent.STABILITY) == len(affected)
    assert second.summary.unchanged == len(first.assignments) - len(affected)
    assert second.solver is not None and second.solver.variables < first.solver.variables


def test_replan_moves_a_kept_session_when_it_blocks_a_new_request() -> None:
    members = [teamlid("A", "Utrecht"), teamlid("B", "Zeist")]
    monday_only = (DateRange(MONDAY, MONDAY),)
    utrecht = verzoek("u", "Utrecht")
    zeist = verzoek("z", "Zeist", wished_periods=monday_only, requested_at=LONG_AGO)
    previous = (Assignment("u", MONDAY, ("A", "B")),)  # still valid, but Zeist can only Monday
    result = replan(problem(members, [utrecht, zeist], previous=previous))
    assert by_request(result) == {
        "u": Assignment("u", TUESDAY, ("A", "B")),
        "z": Assignment("z", MONDAY, ("A", "B")),
    }
    [change] = result.summary.changes
    assert (change.request_id, change.kind) == ("u", ChangeKind.MOVED)


def test_replan_without_a_previous_plan_is_a_plan() -> None:
    instance = two_regions()
    assert replan(instance).assignments == plan(instance).assignments


# --- properties on random small instances -------------------------------------------------

EVENINGS = list(weekday_evenings(MONDAY, MONDAY + timedelta(days=13)))
CODES = [f"GM-{place}" for place in PLACES]


@st.composite
def instances(draw: st.DrawFn) -> PlanningProblem:
    places = list(PLACES)
    members = [
        teamlid(
            f"m{i}",
            draw(st.sampled_from(places)),
            gender=draw(st.sampled_from(["vrouw", "man", None])),
            background=draw(st.sampled_from(list(Background))),
            max_per_week=draw(st.integers(1, 3)),
            max_per_month=draw(st.integers(1, 4)),
            languages=frozenset({"nl", "fy"}) if draw(st.booleans()) else frozenset({"nl"}),
            unavailable_dates=frozenset(draw(st.sets(st.sampled_from(EVENINGS), max_size=4))),
            excluded_organisations=frozenset(draw(st.sets(st.sampled_from(CODES), max_size=2))),
            preferred_weekdays=frozenset(draw(st.sets(st.sampled_from(list(Weekday)[:5])))),
        )
        for i in range(draw(st.integers(2, 5)))
    ]
    requests = []
    for i in range(draw(st.integers(1, 5))):
        place = draw(st.sampled_from(places))
        start = draw(st.sampled_from(EVENINGS))
        requests.append(
            verzoek(
                f"r{i}",
                place,
                organisation_code=f"GM-{place}",
                requested_at=draw(st.sampled_from([LONG_AGO, RECENT])),
                wished_periods=(
                    DateRange(start, start + timedelta(days=draw(st.integers(0, 20)))),
                ),
                avoided_weekdays=frozenset(
                    draw(st.sets(st.sampled_from(list(Weekday)[:5]), max_size=2))
                ),
                avoided_dates=frozenset(draw(st.sets(st.sampled_from(EVENINGS), max_size=2))),
                needs_woman=draw(st.booleans()),
                college_takes_part=draw(st.booleans()),
                team_size=draw(st.sampled_from([None, None, 1, 3])),
                language=draw(st.sampled_from([None, None, "fy"])),
            )
        )
    fixed = tuple(
        FixedSession(
            f"f{i}",
            draw(st.sampled_from(CODES)),
            draw(st.sampled_from(EVENINGS)),
            tuple(draw(st.sets(st.sampled_from([m.id for m in members]), min_size=1, max_size=2))),
        )
        for i in range(draw(st.integers(0, 2)))
    )
    return problem(
        members,
        requests,
        fixed=fixed,
        tour_end=EVENINGS[-1],
        max_candidate_evenings=draw(st.sampled_from([2, 12])),
        time_limit_seconds=5.0,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_no_plan_ever_breaks_a_hard_rule(instance: PlanningProblem) -> None:
    greedy = greedy_plan(instance)
    result = plan(instance)
    for outcome in (greedy, result):
        assert find_violations(instance, outcome.assignments) == []
        assert outcome.score.hard == 0
        planned = {a.request_id for a in outcome.assignments}
        assert planned | {u.request_id for u in outcome.unplanned} == {
            r.id for r in instance.requests
        }
        assert planned.isdisjoint(u.request_id for u in outcome.unplanned)
    # Without trimming, the baseline's plan is one of the solver's candidates: an optimal
    # plan plans at least as many requests (unplanned costs dominate) and scores no worse.
    untrimmed = instance.settings.max_candidate_evenings == 12  # >= every evening of the tour
    if untrimmed and result.status is SolveStatus.OPTIMAL:
        assert len(result.sessions) >= len(greedy.sessions)
        assert result.score.soft <= greedy.score.soft


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.data())
def test_no_replan_ever_breaks_a_hard_rule(instance: PlanningProblem, data: st.DataObject) -> None:
    current = greedy_plan(instance).assignments
    absent = data.draw(st.sampled_from([m.id for m in instance.members]))
    away = frozenset(data.draw(st.sets(st.sampled_from(EVENINGS), max_size=3)))
    members = tuple(
        replace(m, unavailable_dates=m.unavailable_dates | away) if m.id == absent else m
        for m in instance.members
    )
    changed = replace(instance, members=members, previous=current)
    result = replan(changed)
    assert find_violations(changed, result.assignments) == []
    planned = {a.request_id for a in result.assignments}
    assert planned | {u.request_id for u in result.unplanned} == {r.id for r in instance.requests}
    assert planned.isdisjoint(u.request_id for u in result.unplanned)
