"""Greedy planning: whoever waited longest first, one request at a time.

Two ways to place a request: :func:`first_fit` (the earliest evening that works, with the
nearest available team) is what a coordinator would do by hand, so it is the baseline the
benchmark compares with; :func:`cheapest_fit` (the evening and team with the lowest soft
cost given the sessions so far, so it also spreads the work) gives CP-SAT a good complete
starting point (the hint) and fills in requests the solver could not place within its
trimmed candidate evenings.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence

from scheduling.domain.model import Assignment, PlanningProblem, SessionRequest, Teamlid
from scheduling.domain.result import Plan, SolveStatus, build_plan
from scheduling.domain.rules import Ledger, assignment_violations, eligible_members, speaks
from scheduling.domain.score import Costs

# cheapest_fit tries the teams drawn from this many cheapest eligible teamleden (plus the
# cheapest one for each wish), which keeps the search small without missing good teams.
TEAM_POOL = 6

Fit = Callable[[PlanningProblem, Costs, Ledger, SessionRequest], Assignment | None]


def waiting_order(requests: Iterable[SessionRequest]) -> list[SessionRequest]:
    """Oldest request first (ties by id, so the order is deterministic)."""
    return sorted(requests, key=lambda request: (request.requested_at, request.id))


def nearest_team(
    costs: Costs, request: SessionRequest, eligible: Sequence[Teamlid], size: int
) -> tuple[str, ...] | None:
    """The ``size`` nearest of ``eligible``, with a speaker of the asked language among them;
    ``None`` when no such team exists."""
    by_distance = sorted(eligible, key=lambda member: (costs.km(member, request), member.id))
    if request.language is not None:
        speaker = next((m for m in by_distance if request.language in m.languages), None)
        if speaker is None:
            return None
        by_distance.remove(speaker)
        by_distance.insert(0, speaker)
    if len(by_distance) < size:
        return None
    return tuple(sorted(member.id for member in by_distance[:size]))


def first_fit(
    problem: PlanningProblem, costs: Costs, ledger: Ledger, request: SessionRequest
) -> Assignment | None:
    """The earliest possible evening with the nearest available team, given ``ledger``."""
    size = problem.team_size(request)
    for day in costs.evenings(request):
        if ledger.organisation_busy(request.organisation_code, day):
            continue
        team = nearest_team(costs, request, eligible_members(problem, ledger, request, day), size)
        if team is not None:
            return Assignment(request.id, day, team)
    return None


def cheapest_fit(
    problem: PlanningProblem, costs: Costs, ledger: Ledger, request: SessionRequest
) -> Assignment | None:
    """The evening and team with the lowest added soft cost (travel, weekday preference,
    the fairness increase at the current loads, team wishes, waiting), given ``ledger``."""
    weights = problem.settings.weights
    size = problem.team_size(request)
    best: tuple[int, Assignment] | None = None
    for day in costs.evenings(request):
        waiting = weights.waiting * costs.planned_waiting(request, day)
        if best is not None and waiting >= best[0]:
            break  # the waiting cost only grows with the date
        if ledger.organisation_busy(request.organisation_code, day):
            continue
        member_cost = {
            member.id: weights.travel * costs.km(member, request)
            + weights.weekday_preference * costs.off_preference(member, day)
            + weights.fairness * (2 * ledger.total(member.id) + 1)
            for member in eligible_members(problem, ledger, request, day)
        }
        found = _cheapest_team(problem, request, member_cost, size)
        if found is not None and (best is None or waiting + found[0] < best[0]):
            best = (waiting + found[0], Assignment(request.id, day, found[1]))
    return None if best is None else best[1]


def _cheapest_team(
    problem: PlanningProblem, request: SessionRequest, member_cost: dict[str, int], size: int
) -> tuple[int, tuple[str, ...]] | None:
    members = problem.members_by_id
    eligible = sorted(member_cost, key=lambda member_id: (member_cost[member_id], member_id))
    pool = eligible[:TEAM_POOL]
    for wanted in (
        request.needs_woman and (lambda member: member.is_woman),
        request.college_takes_part and (lambda member: member.has_burgemeester_experience),
        request.language is not None and (lambda member: request.language in member.languages),
    ):
        if wanted:
            pool.extend(next(([m] for m in eligible if wanted(members[m])), []))
    best: tuple[int, tuple[str, ...]] | None = None
    for combination in itertools.combinations(sorted(set(pool)), size):
        team = [members[member_id] for member_id in combination]
        if not speaks(team, request.language):
            continue
        cost = sum(member_cost[member_id] for member_id in combination)
        cost += problem.settings.weights.pair * Costs.pair_misses(request, team)
        if best is None or cost < best[0]:
            best = (cost, combination)
    return best


def fill(
    problem: PlanningProblem,
    costs: Costs,
    assignments: Sequence[Assignment],
    requests: Iterable[SessionRequest],
    fit: Fit,
) -> list[Assignment]:
    """``assignments`` plus, for each of ``requests`` (in waiting order) that is not planned
    yet, the assignment ``fit`` finds next to the sessions so far."""
    result = list(assignments)
    planned = {assignment.request_id for assignment in result}
    ledger = Ledger.of(problem, result)
    for request in waiting_order(r for r in requests if r.id not in planned):
        assignment = fit(problem, costs, ledger, request)
        if assignment is not None:
            ledger.book_assignment(problem, assignment)
            result.append(assignment)
    return result


def still_valid(problem: PlanningProblem, keep: Iterable[Assignment]) -> list[Assignment]:
    """Those of ``keep`` (e.g. the previous plan), in order, that still satisfy every hard
    rule next to the fixed sessions and the ones kept before them."""
    ledger = Ledger.of(problem)
    kept: list[Assignment] = []
    for assignment in keep:
        if not assignment_violations(problem, ledger, assignment):
            ledger.book_assignment(problem, assignment)
            kept.append(assignment)
    return kept


def greedy_assignments(
    problem: PlanningProblem, costs: Costs, fit: Fit, keep: Iterable[Assignment] = ()
) -> list[Assignment]:
    """Keep those of ``keep`` (e.g. the previous plan) that still satisfy every hard rule,
    then place the remaining requests with ``fit``."""
    return fill(problem, costs, still_valid(problem, keep), problem.requests, fit)


def greedy_plan(problem: PlanningProblem) -> Plan:
    """The baseline plan: first fit in waiting order (it ignores the previous plan: it is
    the coordinator's rule of thumb, not a re-plan)."""
    costs = Costs(problem)
    assignments = greedy_assignments(problem, costs, first_fit)
    return build_plan(problem, costs, assignments, SolveStatus.GREEDY)
