"""The tour planner: CP-SAT chooses an evening and a team for every request it can.

Model (one CP-SAT model per run):

- ``x[r, d]`` (bool): request ``r`` is held on evening ``d``; at most one ``d`` per ``r``.
- ``z[r, d, m]`` (bool): teamlid ``m`` goes to ``r`` on ``d``; ``sum_m z[r, d, m] =
  size(r) * x[r, d]``. ``z`` exists only where ``m`` may go at all (available, no conflict of
  interest, not booked by a fixed session, caps not already full), so those rules need no
  constraint. The booking of ``m`` on ``d`` is ``sum_r z[r, d, m]``.
- Hard: at most one session per teamlid per evening, weekly (ISO week) and monthly caps
  minus the fixed sessions, one session per organisation per evening, a speaker of the asked
  language. The organisation's wishes, the tour window and the fixed sessions' evenings are
  applied when choosing the candidate evenings.
- Soft, all integer (coefficients from :class:`~scheduling.domain.score.Costs`, so the
  objective equals the plan's soft score): travel km and weekday preference on ``z``;
  waiting days times the request's waiting level on ``x``; a missing woman or burgemeester
  experience as a bool per request; changes against the previous plan; fairness as the sum
  of squared sessions per teamlid, encoded with unary "load >= j" literals whose marginal
  costs ``2j - 1`` rise (convex, so the linear relaxation stays tight); an unplanned request
  costs more than all other soft costs together, plus its waiting cost.

Size: each request keeps at most ``max_candidate_evenings`` evenings (spread evenly over its
window, the first one always included) and its ``max_candidate_members`` nearest teamleden
(plus a woman, someone with burgemeester experience or a speaker of the language when asked,
and whoever the hint or the previous plan uses). The greedy plan, keeping the previous plan
where it still holds, is the solution hint; afterwards the greedy fills in any request the
trimmed model could not place.

Re-planning (:func:`replan`) after one change (a cancellation, a teamlid's new
unavailability) keeps every entry of the previous plan that still satisfies every hard rule as
it is and hands CP-SAT only the rest: a model of a few requests instead of all of them.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date

from ortools.sat.python import cp_model

from scheduling.domain.dates import month_key, week_key
from scheduling.domain.greedy import cheapest_fit, fill, greedy_assignments, still_valid
from scheduling.domain.model import (
    Assignment,
    FixedSession,
    PlanningProblem,
    SessionRequest,
    Teamlid,
)
from scheduling.domain.result import Plan, SolverReport, SolveStatus, build_plan
from scheduling.domain.rules import Ledger, member_obstacles, speaks
from scheduling.domain.score import Costs

CANCEL_POLL_SECONDS = 0.05
PRESOLVE_ITERATIONS = 1
MIN_SOLVE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Progress:
    """Reported on every improving solution."""

    objective: int
    best_bound: int
    elapsed_seconds: float
    solutions: int


ProgressCallback = Callable[[Progress], None]
Cancel = threading.Event | Callable[[], bool]


def plan(
    problem: PlanningProblem,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: Cancel | None = None,
) -> Plan:
    """Plan ``problem`` within ``settings.time_limit_seconds`` of wall time: the solver gets
    what the model build left of it (at least :data:`MIN_SOLVE_SECONDS`, to try the hint).

    ``on_progress`` is called (from the solver's thread) for every improving solution.
    ``cancel`` (an event, or a callable returning true) stops the search; the plan is then
    the best found so far (status :attr:`SolveStatus.CANCELLED`).
    """
    started = time.perf_counter()
    costs = Costs(problem)
    hint = greedy_assignments(problem, costs, cheapest_fit, keep=problem.previous)
    tour = _TourModel(problem, costs, hint)
    build_seconds = time.perf_counter() - started

    settings = problem.settings
    solver = cp_model.CpSolver()
    limit = settings.time_limit_seconds
    solver.parameters.max_time_in_seconds = max(
        min(limit, MIN_SOLVE_SECONDS), limit - build_seconds
    )
    solver.parameters.num_workers = settings.workers
    solver.parameters.random_seed = settings.random_seed
    # Repeated presolve loops cost seconds on a full tour for no gain in the search.
    solver.parameters.max_presolve_iterations = PRESOLVE_ITERATIONS
    should_stop = cancel.is_set if isinstance(cancel, threading.Event) else cancel
    callback = _ProgressReporter(on_progress)
    with _stoppable(solver, should_stop):
        status = solver.solve(tour.model, callback)
    if status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        raise RuntimeError(f"planner model is {solver.status_name(status)}")  # a bug, not data

    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if status == cp_model.OPTIMAL:
        outcome = SolveStatus.OPTIMAL
    elif should_stop is not None and should_stop():
        outcome = SolveStatus.CANCELLED
    else:
        outcome = SolveStatus.TIME_LIMIT
    objective = round(solver.objective_value) if found else None
    bound = round(solver.best_objective_bound)
    report = SolverReport(
        objective=objective,
        best_bound=bound,
        gap=None if objective is None else (objective - bound) / max(1, abs(objective)),
        found_solution=found,
        build_seconds=build_seconds,
        solve_seconds=solver.wall_time,
        solutions=callback.solutions,
        variables=len(tour.model.proto.variables),
        constraints=len(tour.model.proto.constraints),
    )
    chosen = tour.read(solver) if found else hint
    return build_plan(
        problem,
        costs,
        fill(problem, costs, chosen, problem.requests, cheapest_fit),
        outcome,
        report,
    )


def replan(
    problem: PlanningProblem,
    *,
    on_progress: ProgressCallback | None = None,
    cancel: Cancel | None = None,
) -> Plan:
    """Plan ``problem`` again with the smallest change to ``problem.previous``.

    Every previous entry that still satisfies every hard rule stays as it is (it books its
    teamleden and organisation like a confirmed session); CP-SAT plans only the other
    requests: the entries the change broke (preferring their evening and remaining team, as
    the stability cost says) and requests that were not planned. So only entries that have
    to change, change. Should that leave a request unplanned that would fit next to the
    confirmed sessions alone, the kept entries are in its way: then the whole problem is
    planned (:func:`plan`, previous plan as hint and stability cost), since planning one more
    request beats any other gain.

    The plan's :class:`SolverReport` is that of the smaller model (objective and bound
    without the kept entries, which are constants there); ``build_seconds`` includes the
    check of the previous plan. Without a previous plan this is :func:`plan`.
    """
    started = time.perf_counter()
    kept = still_valid(problem, problem.previous)
    if not kept:
        return plan(problem, on_progress=on_progress, cancel=cancel)
    requests = problem.requests_by_id
    kept_ids = {assignment.request_id for assignment in kept}
    frozen = tuple(
        FixedSession(
            f"kept-{a.request_id}", requests[a.request_id].organisation_code, a.date, a.member_ids
        )
        for a in kept
    )
    rest = replace(
        problem,
        requests=tuple(r for r in problem.requests if r.id not in kept_ids),
        fixed_sessions=problem.fixed_sessions + frozen,
        previous=tuple(a for a in problem.previous if a.request_id not in kept_ids),
    )
    checked = time.perf_counter() - started
    local = plan(rest, on_progress=on_progress, cancel=cancel)
    costs = Costs(problem)
    planned = {a.request_id for a in local.assignments}
    confirmed_only = Ledger.of(problem)
    blocked = any(
        cheapest_fit(problem, costs, confirmed_only, request) is not None
        for request in rest.requests
        if request.id not in planned
    )
    stopped = local.status is SolveStatus.CANCELLED
    if blocked and not stopped:
        return plan(problem, on_progress=on_progress, cancel=cancel)
    report = local.solver
    if report is not None:
        report = replace(report, build_seconds=report.build_seconds + checked)
    return build_plan(problem, costs, [*kept, *local.assignments], local.status, report)


class _ProgressReporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, on_progress: ProgressCallback | None) -> None:
        super().__init__()
        self._on_progress = on_progress
        self.solutions = 0

    def on_solution_callback(self) -> None:
        self.solutions += 1
        if self._on_progress is not None:
            self._on_progress(
                Progress(
                    objective=round(self.objective_value),
                    best_bound=round(self.best_objective_bound),
                    elapsed_seconds=self.wall_time,
                    solutions=self.solutions,
                )
            )


@contextlib.contextmanager
def _stoppable(solver: cp_model.CpSolver, should_stop: Callable[[], bool] | None) -> Iterator[None]:
    """Stop ``solver`` as soon as ``should_stop()`` turns true, also between solutions (a
    solution callback only runs at the next improving solution, which may never come).
    ``stop_search`` is repeated because a call before the search has started is lost."""
    if should_stop is None:
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while not done.wait(CANCEL_POLL_SECONDS):
            if should_stop():
                solver.stop_search()

    watcher = threading.Thread(target=watch, name="planner-cancel", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _spread(days: Sequence[date], limit: int | None) -> list[date]:
    """At most ``limit`` of ``days``, evenly spread, the first one always included."""
    if limit is None or len(days) <= limit:
        return list(days)
    if limit == 1:
        return [days[0]]
    step = (len(days) - 1) / (limit - 1)
    return [days[round(i * step)] for i in range(limit)]


class _TourModel:
    """The CP-SAT model of one problem (see the module docstring) and its hint."""

    def __init__(self, problem: PlanningProblem, costs: Costs, hint: Sequence[Assignment]):
        self.problem, self.costs = problem, costs
        self.model = cp_model.CpModel()
        self.fixed = Ledger.of(problem)
        self.x: dict[str, dict[date, cp_model.IntVar]] = {}
        self.z: dict[tuple[str, date, str], cp_model.IntVar] = {}
        self._terms: list[tuple[cp_model.IntVar, int]] = []
        self._offset = 0
        self._hint: dict[cp_model.IntVar, int] = {}
        hinted = {assignment.request_id: assignment for assignment in hint}
        for request in problem.requests:
            self._add_request(request, hinted.get(request.id))
        self._add_member_limits()
        self._add_organisation_limits()
        self._add_fairness()
        self.model.minimize(
            cp_model.LinearExpr.weighted_sum(
                [var for var, _ in self._terms], [coef for _, coef in self._terms]
            )
            + self._offset
        )
        for var, value in self._hint.items():
            self.model.add_hint(var, value)

    # --- candidates ---------------------------------------------------------------------

    def _candidate_members(
        self, request: SessionRequest, keep: Iterable[Assignment]
    ) -> list[Teamlid]:
        costs, settings = self.costs, self.problem.settings
        free = sorted(
            (
                m
                for m in self.problem.members
                if request.organisation_code not in m.excluded_organisations
            ),
            key=lambda member: (costs.km(member, request), member.id),
        )
        chosen = free[: settings.max_candidate_members]
        wanted: list[Callable[[Teamlid], bool]] = []
        if request.needs_woman:
            wanted.append(lambda member: member.is_woman)
        if request.college_takes_part:
            wanted.append(lambda member: member.has_burgemeester_experience)
        if request.language is not None:
            language = request.language
            wanted.append(lambda member: language in member.languages)
        for fits in wanted:
            chosen.extend(next(([m] for m in free if fits(m)), []))
        kept_ids = {member_id for assignment in keep for member_id in assignment.member_ids}
        chosen.extend(m for m in free if m.id in kept_ids)
        return list(dict.fromkeys(chosen))

    def _candidates(
        self, request: SessionRequest, keep: list[Assignment]
    ) -> dict[date, list[Teamlid]]:
        """Candidate evenings of ``request`` with the teamleden who may go on each."""
        size = self.problem.team_size(request)
        members = self._candidate_members(request, keep)
        possible: dict[date, list[Teamlid]] = {}
        for day in self.costs.evenings(request):
            if self.fixed.organisation_busy(request.organisation_code, day):
                continue
            eligible = [m for m in members if not member_obstacles(self.fixed, request, m, day)]
            if len(eligible) >= size and speaks(eligible, request.language):
                possible[day] = eligible
        chosen = set(_spread(sorted(possible), self.problem.settings.max_candidate_evenings))
        chosen.update(assignment.date for assignment in keep if assignment.date in possible)
        return {day: possible[day] for day in sorted(chosen)}

    # --- variables and constraints --------------------------------------------------------

    def _add_request(self, request: SessionRequest, hint: Assignment | None) -> None:
        problem, costs, weights = self.problem, self.costs, self.problem.settings.weights
        previous = problem.previous_by_request.get(request.id)
        keep = [a for a in (hint, previous) if a is not None]
        candidates = self._candidates(request, keep)
        if not candidates:
            return  # unplannable: a constant, left out of the objective (see SolverReport)
        model, size = self.model, problem.team_size(request)
        unplanned_cost = costs.unplanned_weight + weights.waiting * costs.unplanned_waiting(request)
        self._offset += unplanned_cost
        chosen: dict[date, cp_model.IntVar] = {}
        by_member: defaultdict[str, list[cp_model.IntVar]] = defaultdict(list)
        for day, eligible in candidates.items():
            x = model.new_bool_var(f"x[{request.id},{day}]")
            chosen[day] = x
            waiting = weights.waiting * costs.planned_waiting(request, day)
            self._terms.append((x, waiting - unplanned_cost))
            hinted = set(hint.member_ids) if hint is not None and hint.date == day else set()
            self._hint[x] = int(bool(hinted))
            team = []
            for member in eligible:
                z = model.new_bool_var(f"z[{request.id},{day},{member.id}]")
                self.z[request.id, day, member.id] = z
                team.append(z)
                by_member[member.id].append(z)
                self._terms.append(
                    (
                        z,
                        weights.travel * costs.km(member, request)
                        + weights.weekday_preference * costs.off_preference(member, day),
                    )
                )
                self._hint[z] = int(member.id in hinted)
            model.add(cp_model.LinearExpr.sum(team) == size * x)
        self.x[request.id] = chosen
        model.add_at_most_one(chosen.values())
        planned = cp_model.LinearExpr.sum(list(chosen.values()))
        members = self.problem.members_by_id
        if request.language is not None:
            language = request.language
            speakers = [
                z for m, zs in by_member.items() if language in members[m].languages for z in zs
            ]
            model.add(cp_model.LinearExpr.sum(speakers) >= planned)
        hinted_team = [members[m] for m in hint.member_ids] if hint is not None else []
        for wanted, fits in (
            (request.needs_woman, lambda member: member.is_woman),
            (request.college_takes_part, lambda member: member.has_burgemeester_experience),
        ):
            if wanted:
                missing = model.new_bool_var(f"missing[{request.id}]")
                fitting = [z for m, zs in by_member.items() if fits(members[m]) for z in zs]
                model.add(cp_model.LinearExpr.sum([*fitting, missing]) >= planned)
                self._terms.append((missing, weights.pair))
                self._hint[missing] = int(
                    hint is not None and not any(fits(m) for m in hinted_team)
                )
        if previous is not None:
            self._add_stability(previous, chosen, by_member)

    def _add_stability(
        self,
        previous: Assignment,
        chosen: dict[date, cp_model.IntVar],
        by_member: dict[str, list[cp_model.IntVar]],
    ) -> None:
        """Cost ``w * (planned - x[previous date])`` for a moved date and ``w * (planned -
        y[m])`` per previous teamlid ``m`` (``y[m] = sum_d z[r, d, m]``): linear, no extra
        variables; an unplanned request pays its unplanned cost instead."""
        weight = self.problem.settings.weights.stability
        kept = [chosen.get(previous.date)] + [
            z for member_id in previous.member_ids for z in by_member.get(member_id, [])
        ]
        times = 1 + len(previous.member_ids)
        for x in chosen.values():
            self._terms.append((x, weight * times))
        for var in kept:
            if var is not None:
                self._terms.append((var, -weight))

    def _add_member_limits(self) -> None:
        """One session per teamlid per evening; weekly and monthly caps minus fixed sessions."""
        by_evening: defaultdict[tuple[str, date], list[cp_model.IntVar]] = defaultdict(list)
        by_period: defaultdict[tuple[str, str, tuple[int, int]], list[cp_model.IntVar]]
        by_period = defaultdict(list)
        room: dict[tuple[str, str, tuple[int, int]], int] = {}
        members, fixed = self.problem.members_by_id, self.fixed
        for (_, day, member_id), z in self.z.items():
            by_evening[member_id, day].append(z)
            member = members[member_id]
            for key, free in (
                (
                    ("week", member_id, week_key(day)),
                    member.max_per_week - fixed.week_load(member_id, day),
                ),
                (
                    ("month", member_id, month_key(day)),
                    member.max_per_month - fixed.month_load(member_id, day),
                ),
            ):
                by_period[key].append(z)
                room[key] = free
        for zs in by_evening.values():
            if len(zs) > 1:
                self.model.add_at_most_one(zs)
        for key, zs in by_period.items():
            if len(zs) > room[key]:
                self.model.add(cp_model.LinearExpr.sum(zs) <= room[key])

    def _add_organisation_limits(self) -> None:
        """Two requests of one organisation never share an evening."""
        by_evening: defaultdict[tuple[str, date], list[cp_model.IntVar]] = defaultdict(list)
        requests = self.problem.requests_by_id
        for request_id, chosen in self.x.items():
            for day, x in chosen.items():
                by_evening[requests[request_id].organisation_code, day].append(x)
        for xs in by_evening.values():
            if len(xs) > 1:
                self.model.add_at_most_one(xs)

    def _add_fairness(self) -> None:
        """Sum over teamleden of (sessions)^2, fixed sessions included: unary literals
        ``u[m, j]`` = "m has at least ``fixed + j`` sessions" with cost ``2(fixed + j) - 1``."""
        weight = self.problem.settings.weights.fairness
        per_member: defaultdict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        for (request_id, _, member_id), z in self.z.items():
            per_member[member_id].append((request_id, z))
        for member in self.problem.members:
            fixed = self.fixed.total(member.id)
            self._offset += weight * fixed**2
            zs = per_member.get(member.id, [])
            most = len({request_id for request_id, _ in zs})
            if not most:
                continue
            steps = [
                self.model.new_bool_var(f"load[{member.id}]>={fixed + j}")
                for j in range(1, most + 1)
            ]
            self.model.add(
                cp_model.LinearExpr.sum(steps) == cp_model.LinearExpr.sum([z for _, z in zs])
            )
            for higher, lower in zip(steps[1:], steps, strict=False):
                self.model.add_implication(higher, lower)
            hinted = sum(self._hint[z] for _, z in zs)
            for j, step in enumerate(steps, start=1):
                self._terms.append((step, weight * (2 * (fixed + j) - 1)))
                self._hint[step] = int(j <= hinted)

    # --- reading the solution -------------------------------------------------------------

    def read(self, solver: cp_model.CpSolver) -> list[Assignment]:
        assignments = []
        for request_id, chosen in self.x.items():
            for day, x in chosen.items():
                if solver.boolean_value(x):
                    team = tuple(
                        sorted(
                            member_id
                            for member_id in self.problem.members_by_id
                            if (request_id, day, member_id) in self.z
                            and solver.boolean_value(self.z[request_id, day, member_id])
                        )
                    )
                    assignments.append(Assignment(request_id, day, team))
        return assignments
