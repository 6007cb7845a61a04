"""What planning returns: the sessions with their explanation, the unplanned requests with
their reason, the score, the figures a coordinator weighs and how the solver ended.

Both the CP-SAT planner and the greedy baseline finish through :func:`build_plan`, so
their plans are explained, diagnosed and scored the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from scheduling.domain.diagnosis import UnplannedRequest, diagnose
from scheduling.domain.explain import explain_assignment
from scheduling.domain.model import Assignment, PlanningProblem
from scheduling.domain.rules import Ledger
from scheduling.domain.score import Costs, Score, score_plan
from scheduling.domain.summary import PlanSummary, summarise


class SolveStatus(StrEnum):
    OPTIMAL = "optimaal"
    TIME_LIMIT = "tijdslimiet-bereikt"
    CANCELLED = "afgebroken"
    GREEDY = "vuistregel"

    @property
    def best_so_far(self) -> bool:
        """The solver stopped early: the plan is the best one found until then."""
        return self in (SolveStatus.TIME_LIMIT, SolveStatus.CANCELLED)

    @property
    def label(self) -> str:
        return {
            SolveStatus.OPTIMAL: "optimaal (bewezen)",
            SolveStatus.TIME_LIMIT: "tijdslimiet bereikt: beste planning tot nu toe",
            SolveStatus.CANCELLED: "afgebroken: beste planning tot dan toe",
            SolveStatus.GREEDY: "vuistregel (eerste passende avond, dichtstbijzijnde team)",
        }[self]


@dataclass(frozen=True, slots=True)
class SolverReport:
    """How the CP-SAT run went. ``objective`` and ``best_bound`` are on the score's soft
    scale, without the fixed cost of requests that have no possible evening at all;
    ``gap`` is ``(objective - best_bound) / objective``, 0 when optimal. When the solver
    found no solution in time, ``found_solution`` is false and the plan is the greedy hint.
    """

    objective: int | None
    best_bound: int
    gap: float | None
    found_solution: bool
    build_seconds: float
    solve_seconds: float
    solutions: int
    variables: int
    constraints: int


@dataclass(frozen=True, slots=True)
class PlannedSession:
    assignment: Assignment
    explanation: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    status: SolveStatus
    sessions: tuple[PlannedSession, ...]
    unplanned: tuple[UnplannedRequest, ...]
    score: Score
    summary: PlanSummary
    solver: SolverReport | None = None

    @property
    def assignments(self) -> tuple[Assignment, ...]:
        return tuple(session.assignment for session in self.sessions)

    def session_for(self, request_id: str) -> PlannedSession | None:
        return next((s for s in self.sessions if s.assignment.request_id == request_id), None)


def build_plan(
    problem: PlanningProblem,
    costs: Costs,
    assignments: Sequence[Assignment],
    status: SolveStatus,
    solver: SolverReport | None = None,
) -> Plan:
    """Explain, diagnose, score and summarise ``assignments`` (sorted by date, then request)."""
    ordered = sorted(assignments, key=lambda a: (a.date, a.request_id))
    ledger = Ledger.of(problem, ordered)
    planned = {assignment.request_id for assignment in ordered}
    unplanned = tuple(
        diagnose(problem, ledger, request)
        for request in problem.requests
        if request.id not in planned
    )
    return Plan(
        status=status,
        sessions=tuple(
            PlannedSession(a, explain_assignment(problem, costs, ledger, a)) for a in ordered
        ),
        unplanned=unplanned,
        score=score_plan(problem, ordered, costs),
        summary=summarise(problem, costs, ordered, unplanned),
        solver=solver,
    )
