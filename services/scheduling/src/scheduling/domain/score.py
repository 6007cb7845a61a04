"""The score of a plan: hard violations and weighted soft components.

:class:`Costs` holds every soft coefficient of a problem. The CP-SAT model and
:func:`score_plan` both take their numbers from it, so a solver's objective equals the soft
score of the plan it returns, and the greedy baseline is scored on exactly the same scale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from scheduling.domain.dates import month_key, weekday_evenings
from scheduling.domain.distance import road_km
from scheduling.domain.model import Assignment, PlanningProblem, SessionRequest, Teamlid, Weekday
from scheduling.domain.rules import Ledger, allowed_evenings, find_violations

# Each full month a request waited before the planning starts raises its level, up to 4.
WAITING_LEVELS = 4
DAYS_PER_WAITING_LEVEL = 30


class SoftComponent(StrEnum):
    TRAVEL = "reisafstand"
    FAIRNESS = "spreiding-werkdruk"
    WAITING = "wachttijd"
    PAIR = "teamsamenstelling"
    WEEKDAY_PREFERENCE = "voorkeursdag-teamlid"
    STABILITY = "wijziging-vorige-planning"
    UNPLANNED = "niet-ingepland"


@dataclass(frozen=True, slots=True)
class ScoreComponent:
    component: SoftComponent
    raw: int
    weight: int

    @property
    def weighted(self) -> int:
        return self.raw * self.weight


@dataclass(frozen=True, slots=True)
class Score:
    """``hard`` counts violations (0 for any plan the planner returns); ``soft`` is the
    weighted sum of ``components``, lower is better."""

    hard: int
    components: tuple[ScoreComponent, ...]

    @property
    def soft(self) -> int:
        return sum(component.weighted for component in self.components)

    def raw(self, component: SoftComponent) -> int:
        return next(c.raw for c in self.components if c.component is component)


class Costs:
    """Soft-constraint coefficients of one problem (and each request's possible evenings,
    which the waiting cost is measured from)."""

    def __init__(self, problem: PlanningProblem) -> None:
        self.problem = problem
        settings = problem.settings
        self._evenings = {r.id: allowed_evenings(problem, r) for r in problem.requests}
        self._km: dict[tuple[str, str], int] = {}
        self.horizon_days = (settings.tour_end - settings.plan_from).days + 1
        self.unplanned_weight = self._unplanned_weight()

    def evenings(self, request: SessionRequest) -> list[date]:
        """The evenings the request's own wishes and the tour allow, in date order."""
        return self._evenings[request.id]

    def km(self, member: Teamlid, request: SessionRequest) -> int:
        """Road km from the teamlid's home to the organisation, rounded."""
        key = (member.id, request.id)
        if key not in self._km:
            distance = road_km(member.home_lat, member.home_lon, request.lat, request.lon)
            self._km[key] = round(distance)
        return self._km[key]

    def waiting_level(self, request: SessionRequest) -> int:
        """1 for a fresh request, up to :data:`WAITING_LEVELS` for one that waited months."""
        waited = (self.problem.settings.plan_from - request.requested_at.date()).days
        return 1 + min(WAITING_LEVELS - 1, max(0, waited) // DAYS_PER_WAITING_LEVEL)

    def delay_days(self, request: SessionRequest, day: date) -> int:
        """Days between the request's first possible evening and ``day``."""
        evenings = self.evenings(request)
        return max(0, (day - evenings[0]).days) if evenings else 0

    def planned_waiting(self, request: SessionRequest, day: date) -> int:
        return self.waiting_level(request) * self.delay_days(request, day)

    def unplanned_waiting(self, request: SessionRequest) -> int:
        """An unplanned request counts as delayed beyond the tour's last evening."""
        return self.waiting_level(request) * self.horizon_days

    @staticmethod
    def off_preference(member: Teamlid, day: date) -> int:
        """1 when the teamlid has preferred weekdays and ``day`` is not one of them."""
        return int(
            bool(member.preferred_weekdays) and Weekday.of(day) not in member.preferred_weekdays
        )

    @staticmethod
    def pair_misses(request: SessionRequest, team: Sequence[Teamlid]) -> int:
        """Wishes for the team that it does not meet: a woman, burgemeester experience."""
        missing_woman = request.needs_woman and not any(m.is_woman for m in team)
        missing_mayor = request.college_takes_part and not any(
            m.has_burgemeester_experience for m in team
        )
        return int(missing_woman) + int(missing_mayor)

    def stability_changes(self, assignment: Assignment) -> int:
        """Changed date (1) plus replaced teamleden compared with the previous plan."""
        previous = self.problem.previous_by_request.get(assignment.request_id)
        if previous is None:
            return 0
        replaced = set(previous.member_ids) - set(assignment.member_ids)
        return int(previous.date != assignment.date) + len(replaced)

    def _unplanned_weight(self) -> int:
        """More than all other weighted soft costs of any plan together: planning one more
        request always beats any gain elsewhere."""
        problem, weights = self.problem, self.problem.settings.weights
        bound = 0
        for request in problem.requests:
            size = problem.team_size(request)
            farthest = sorted((self.km(m, request) for m in problem.members), reverse=True)
            bound += weights.travel * sum(farthest[:size])
            bound += weights.waiting * self.unplanned_waiting(request)
            bound += weights.pair * 2 + weights.weekday_preference * size
            bound += weights.stability * (1 + size)
        settings = problem.settings
        months = {month_key(day) for day in weekday_evenings(settings.plan_from, settings.tour_end)}
        fixed = Ledger.of(problem)
        for member in problem.members:
            most = min(len(problem.requests), len(months) * member.max_per_month)
            bound += weights.fairness * (fixed.total(member.id) + most) ** 2
        return bound + 1


def member_loads(problem: PlanningProblem, assignments: Iterable[Assignment]) -> Mapping[str, int]:
    """Sessions per teamlid, fixed sessions included."""
    ledger = Ledger.of(problem, assignments)
    return {member.id: ledger.total(member.id) for member in problem.members}


def score_plan(
    problem: PlanningProblem, assignments: Sequence[Assignment], costs: Costs | None = None
) -> Score:
    """Score any plan (from the solver, the greedy baseline or a coordinator's edits)."""
    costs = costs or Costs(problem)
    weights = problem.settings.weights
    requests, members = problem.requests_by_id, problem.members_by_id
    travel = waiting = pair = preference = stability = 0
    planned: set[str] = set()
    for assignment in assignments:
        request = requests.get(assignment.request_id)
        if request is None or assignment.request_id in planned:
            continue
        planned.add(assignment.request_id)
        team = [members[m] for m in assignment.member_ids if m in members]
        travel += sum(costs.km(member, request) for member in team)
        preference += sum(costs.off_preference(member, assignment.date) for member in team)
        waiting += costs.planned_waiting(request, assignment.date)
        pair += costs.pair_misses(request, team)
        stability += costs.stability_changes(assignment)
    unplanned = [r for r in problem.requests if r.id not in planned]
    waiting += sum(costs.unplanned_waiting(request) for request in unplanned)
    fairness = sum(load**2 for load in member_loads(problem, assignments).values())
    return Score(
        hard=len(find_violations(problem, assignments)),
        components=(
            ScoreComponent(SoftComponent.TRAVEL, travel, weights.travel),
            ScoreComponent(SoftComponent.FAIRNESS, fairness, weights.fairness),
            ScoreComponent(SoftComponent.WAITING, waiting, weights.waiting),
            ScoreComponent(SoftComponent.PAIR, pair, weights.pair),
            ScoreComponent(
                SoftComponent.WEEKDAY_PREFERENCE, preference, weights.weekday_preference
            ),
            ScoreComponent(SoftComponent.STABILITY, stability, weights.stability),
            ScoreComponent(SoftComponent.UNPLANNED, len(unplanned), costs.unplanned_weight),
        ),
    )
