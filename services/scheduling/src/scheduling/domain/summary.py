"""A plan in the figures a coordinator weighs, instead of the solver's weighted sum.

Kilometres per teamlid, evenings per teamlid (this plan plus the confirmed sessions),
requests planned and not planned (with the reason), wishes the plan does not meet, and
what changed against the previous plan. Everything is read from the plan and the problem,
so the same figures describe a CP-SAT plan, the greedy baseline and an adopted plan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from scheduling.domain.diagnosis import UnplannedReason, UnplannedRequest
from scheduling.domain.model import Assignment, PlanningProblem, Teamlid, Weights
from scheduling.domain.rules import Ledger
from scheduling.domain.score import Costs


class WishKind(StrEnum):
    """A wish the plan leaves unmet (each one costs its weight in the score)."""

    WOMAN_IN_TEAM = "vrouw-in-team"
    BURGEMEESTER_EXPERIENCE = "burgemeesterservaring"
    PREFERRED_WEEKDAY = "voorkeursavond-teamlid"


class ChangeKind(StrEnum):
    """How a request's entry differs from the previous plan."""

    MOVED = "andere-avond"
    TEAM_CHANGED = "ander-team"
    DROPPED = "niet-meer-ingepland"


@dataclass(frozen=True, slots=True)
class MemberFigures:
    """One teamlid's share: ``planned`` sessions in this plan, ``confirmed`` ones already
    fixed, and the one-way road km from home for the planned ones."""

    member_id: str
    name: str
    planned: int
    confirmed: int
    km: int

    @property
    def evenings(self) -> int:
        return self.planned + self.confirmed


@dataclass(frozen=True, slots=True)
class UnmetWish:
    """``member_id`` names the teamlid for a weekday preference; the team wishes have none."""

    request_id: str
    organisation_name: str
    on: date
    kind: WishKind
    member_id: str | None = None
    member_name: str | None = None


@dataclass(frozen=True, slots=True)
class PlanChange:
    """``on`` is None when the request dropped out of the plan; ``replaced`` names the
    teamleden of the previous plan who no longer go."""

    request_id: str
    organisation_name: str
    kind: ChangeKind
    previous_on: date
    on: date | None
    replaced: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanSummary:
    requests: int
    planned: int
    unplanned_by_reason: Mapping[UnplannedReason, int]
    members: tuple[MemberFigures, ...]
    unmet_wishes: tuple[UnmetWish, ...]
    changes: tuple[PlanChange, ...]
    unchanged: int
    new: int
    weights: Weights

    @property
    def unplanned(self) -> int:
        return self.requests - self.planned

    @property
    def km_total(self) -> int:
        return sum(member.km for member in self.members)

    @property
    def evenings_min(self) -> int:
        return min((member.evenings for member in self.members), default=0)

    @property
    def evenings_max(self) -> int:
        return max((member.evenings for member in self.members), default=0)


def summarise(
    problem: PlanningProblem,
    costs: Costs,
    assignments: Sequence[Assignment],
    unplanned: Sequence[UnplannedRequest],
) -> PlanSummary:
    """The figures of ``assignments`` (a plan's sessions) and ``unplanned`` (its reasons)."""
    requests, members = problem.requests_by_id, problem.members_by_id
    fixed = Ledger.of(problem)
    planned: Counter[str] = Counter()
    km: Counter[str] = Counter()
    wishes: list[UnmetWish] = []
    for assignment in assignments:
        request = requests[assignment.request_id]
        team = [members[m] for m in assignment.member_ids if m in members]
        for member in team:
            planned[member.id] += 1
            km[member.id] += costs.km(member, request)
        wishes += _unmet_wishes(problem, assignment, team)
    figures = tuple(
        MemberFigures(m.id, m.label, planned[m.id], fixed.total(m.id), km[m.id])
        for m in problem.members
    )
    changes, unchanged = _changes(problem, assignments)
    return PlanSummary(
        requests=len(problem.requests),
        planned=len(assignments),
        unplanned_by_reason=dict(Counter(u.reason for u in unplanned)),
        members=figures,
        unmet_wishes=tuple(wishes),
        changes=tuple(changes),
        unchanged=unchanged,
        new=sum(1 for a in assignments if a.request_id not in problem.previous_by_request),
        weights=problem.settings.weights,
    )


def _unmet_wishes(
    problem: PlanningProblem, assignment: Assignment, team: list[Teamlid]
) -> list[UnmetWish]:
    request = problem.requests_by_id[assignment.request_id]
    found = []
    org, on = request.organisation_name, assignment.date
    if request.needs_woman and not any(m.is_woman for m in team):
        found.append(UnmetWish(request.id, org, on, WishKind.WOMAN_IN_TEAM))
    if request.college_takes_part and not any(m.has_burgemeester_experience for m in team):
        found.append(UnmetWish(request.id, org, on, WishKind.BURGEMEESTER_EXPERIENCE))
    found += [
        UnmetWish(request.id, org, on, WishKind.PREFERRED_WEEKDAY, m.id, m.label)
        for m in team
        if Costs.off_preference(m, on)
    ]
    return found


def _changes(
    problem: PlanningProblem, assignments: Sequence[Assignment]
) -> tuple[list[PlanChange], int]:
    """Changes against the previous plan, and how many of its entries stayed as they were."""
    now = {a.request_id: a for a in assignments}
    members = problem.members_by_id
    changes, unchanged = [], 0
    for previous in problem.previous:
        request = problem.requests_by_id.get(previous.request_id)
        if request is None:
            continue
        org, current = request.organisation_name, now.get(previous.request_id)
        replaced = tuple(
            members[m].label if m in members else m
            for m in previous.member_ids
            if current is None or m not in current.member_ids
        )
        if current is None:
            kind = ChangeKind.DROPPED
        elif current.date != previous.date:
            kind = ChangeKind.MOVED
        elif replaced:
            kind = ChangeKind.TEAM_CHANGED
        else:
            unchanged += 1
            continue
        on = current.date if current else None
        changes.append(PlanChange(request.id, org, kind, previous.date, on, replaced))
    return changes, unchanged
