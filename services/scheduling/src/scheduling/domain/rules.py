"""The hard rules of a plan, checked independently of how a plan was made.

One set of rule functions serves everyone: the greedy baseline and the CP-SAT prefilter ask
"may this teamlid go there", the checker validates a whole plan (property tests, greedy
comparisons) and :func:`check_assignment` explains why a coordinator's manual change breaks
a rule. The CP-SAT model encodes the counting rules (caps, one session per evening) itself;
this module checks its output, so a modelling mistake shows up as a violation.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from scheduling.domain.dates import (
    WORK_WEEK,
    format_date,
    format_month,
    format_period,
    format_weekdays,
    month_key,
    tour_evenings,
    week_key,
)
from scheduling.domain.model import (
    Assignment,
    PlanningProblem,
    SessionRequest,
    Teamlid,
    Weekday,
)


class ViolationKind(StrEnum):
    """Which hard rule is broken (machine-readable; the message says it in Dutch)."""

    UNKNOWN_REQUEST = "onbekend-verzoek"
    DUPLICATE_REQUEST = "verzoek-dubbel-ingepland"
    UNKNOWN_MEMBER = "onbekend-teamlid"
    BEFORE_PLAN_START = "voor-begin-planning"
    AFTER_TOUR_END = "na-einde-tour"
    WEEKEND = "geen-doordeweekse-avond"
    OUTSIDE_WISHED_PERIOD = "buiten-gewenste-periode"
    NOT_WISHED_WEEKDAY = "geen-gewenste-weekdag"
    AVOIDED_WEEKDAY = "vermeden-weekdag"
    AVOIDED_DATE = "vermeden-datum"
    ORGANISATION_BUSY = "organisatie-al-ingepland"
    TEAM_SIZE = "teamgrootte"
    LANGUAGE = "taal"
    MEMBER_UNAVAILABLE = "teamlid-niet-beschikbaar"
    CONFLICT_OF_INTEREST = "belangenconflict"
    DOUBLE_BOOKING = "teamlid-dubbel-geboekt"
    WEEK_CAP = "weekplafond"
    MONTH_CAP = "maandplafond"


@dataclass(frozen=True, slots=True)
class Violation:
    kind: ViolationKind
    message: str
    request_id: str
    member_id: str | None = None


class Ledger:
    """Who is booked when: session counts per teamlid per evening, ISO week and month, and
    organisations per evening. Fixed sessions and planned assignments both book it."""

    def __init__(self) -> None:
        self._evening: Counter[tuple[str, date]] = Counter()
        self._week: Counter[tuple[str, tuple[int, int]]] = Counter()
        self._month: Counter[tuple[str, tuple[int, int]]] = Counter()
        self._total: Counter[str] = Counter()
        self._organisation: Counter[tuple[str, date]] = Counter()

    @classmethod
    def of(cls, problem: PlanningProblem, assignments: Iterable[Assignment] = ()) -> Ledger:
        """The fixed sessions plus those ``assignments`` whose request is known."""
        ledger = cls()
        for fixed in problem.fixed_sessions:
            ledger.book(fixed.organisation_code, fixed.date, fixed.member_ids)
        requests = problem.requests_by_id
        for assignment in assignments:
            if assignment.request_id in requests:
                ledger.book_assignment(problem, assignment)
        return ledger

    def book(self, organisation_code: str, day: date, member_ids: Iterable[str], n: int = 1):
        """Add (or with ``n=-1`` remove) one session."""
        self._organisation[organisation_code, day] += n
        for member_id in member_ids:
            self._evening[member_id, day] += n
            self._week[member_id, week_key(day)] += n
            self._month[member_id, month_key(day)] += n
            self._total[member_id] += n

    def book_assignment(self, problem: PlanningProblem, assignment: Assignment, n: int = 1):
        request = problem.requests_by_id[assignment.request_id]
        self.book(request.organisation_code, assignment.date, assignment.member_ids, n)

    def member_busy(self, member_id: str, day: date) -> bool:
        return self._evening[member_id, day] > 0

    def week_load(self, member_id: str, day: date) -> int:
        return self._week[member_id, week_key(day)]

    def month_load(self, member_id: str, day: date) -> int:
        return self._month[member_id, month_key(day)]

    def total(self, member_id: str) -> int:
        return self._total[member_id]

    def organisation_busy(self, organisation_code: str, day: date) -> bool:
        return self._organisation[organisation_code, day] > 0


def evening_obstacles(
    problem: PlanningProblem, request: SessionRequest, day: date
) -> list[ViolationKind]:
    """Which of the tour's and the organisation's rules ``day`` breaks (who goes does not
    matter; cheap, because every request asks it for every evening of the tour)."""
    settings = problem.settings
    weekday = Weekday.of(day)
    checks = (
        (ViolationKind.BEFORE_PLAN_START, day < settings.plan_from),
        (ViolationKind.AFTER_TOUR_END, day > settings.tour_end),
        (ViolationKind.WEEKEND, weekday not in WORK_WEEK),
        (
            ViolationKind.OUTSIDE_WISHED_PERIOD,
            bool(request.wished_periods) and not any(day in p for p in request.wished_periods),
        ),
        (
            ViolationKind.NOT_WISHED_WEEKDAY,
            bool(request.wished_weekdays) and weekday not in request.wished_weekdays,
        ),
        (ViolationKind.AVOIDED_WEEKDAY, weekday in request.avoided_weekdays),
        (ViolationKind.AVOIDED_DATE, day in request.avoided_dates),
    )
    return [kind for kind, broken in checks if broken]


def _evening_message(
    kind: ViolationKind, problem: PlanningProblem, request: SessionRequest, day: date
) -> str:
    settings, org, when = problem.settings, request.organisation_name, format_date(day)
    weekday = Weekday.of(day)
    if kind is ViolationKind.BEFORE_PLAN_START:
        return f"{when} ligt vóór het begin van de planning ({format_date(settings.plan_from)})."
    if kind is ViolationKind.AFTER_TOUR_END:
        return f"{when} ligt na het einde van de tour ({format_date(settings.tour_end)})."
    if kind is ViolationKind.WEEKEND:
        return f"{when} is geen doordeweekse avond."
    if kind is ViolationKind.OUTSIDE_WISHED_PERIOD:
        periods = "; ".join(format_period(period) for period in request.wished_periods)
        return f"{when} ligt buiten de gewenste periode van {org} ({periods})."
    if kind is ViolationKind.NOT_WISHED_WEEKDAY:
        wished = format_weekdays(request.wished_weekdays)
        return f"{org} wil een sessie op {wished}, niet op {weekday.label}."
    if kind is ViolationKind.AVOIDED_WEEKDAY:
        return f"{org} vermijdt de {weekday.label} (bijvoorbeeld vanwege raadsvergaderingen)."
    return f"{org} heeft {when} uitgesloten."


def evening_violations(
    problem: PlanningProblem, request: SessionRequest, day: date
) -> list[Violation]:
    """The tour's and the organisation's rules that ``day`` breaks, explained."""
    return [
        Violation(kind, _evening_message(kind, problem, request, day), request.id)
        for kind in evening_obstacles(problem, request, day)
    ]


def allowed_evenings(problem: PlanningProblem, request: SessionRequest) -> list[date]:
    """The request's possible evenings before looking at teamleden, in date order.

    Only the tour's evenings inside a wished period are checked (any other one breaks
    :attr:`ViolationKind.OUTSIDE_WISHED_PERIOD`): a request wishes a few months of a year."""
    settings = problem.settings
    tour = tour_evenings(settings.plan_from, settings.tour_end)
    if request.wished_periods:
        inside = {
            day
            for period in request.wished_periods
            for day in tour[bisect_left(tour, period.start) : bisect_right(tour, period.end)]
        }
        days: Iterable[date] = sorted(inside)
    else:
        days = tour
    return [day for day in days if not evening_obstacles(problem, request, day)]


def member_obstacles(
    ledger: Ledger, request: SessionRequest, member: Teamlid, day: date
) -> list[ViolationKind]:
    """Which rules keep ``member`` from joining ``request`` on ``day``, given ``ledger``
    (cheap: the planner asks this for every teamlid and evening)."""
    obstacles = []
    if day in member.unavailable_dates:
        obstacles.append(ViolationKind.MEMBER_UNAVAILABLE)
    if request.organisation_code in member.excluded_organisations:
        obstacles.append(ViolationKind.CONFLICT_OF_INTEREST)
    if ledger.member_busy(member.id, day):
        obstacles.append(ViolationKind.DOUBLE_BOOKING)
    if ledger.week_load(member.id, day) >= member.max_per_week:
        obstacles.append(ViolationKind.WEEK_CAP)
    if ledger.month_load(member.id, day) >= member.max_per_month:
        obstacles.append(ViolationKind.MONTH_CAP)
    return obstacles


def _member_message(
    kind: ViolationKind, ledger: Ledger, request: SessionRequest, member: Teamlid, day: date
) -> str:
    name = member.label
    if kind is ViolationKind.MEMBER_UNAVAILABLE:
        return f"{name} is niet beschikbaar op {format_date(day)}."
    if kind is ViolationKind.CONFLICT_OF_INTEREST:
        return f"{name} heeft een belangenconflict met {request.organisation_name}."
    if kind is ViolationKind.DOUBLE_BOOKING:
        return f"{name} heeft op {format_date(day)} al een andere sessie."
    if kind is ViolationKind.WEEK_CAP:
        year, week = week_key(day)
        return (
            f"{name} heeft in week {week} van {year} al {ledger.week_load(member.id, day)} "
            f"sessie(s) (maximaal {member.max_per_week} per week)."
        )
    return (
        f"{name} heeft in {format_month(month_key(day))} al {ledger.month_load(member.id, day)} "
        f"sessie(s) (maximaal {member.max_per_month} per maand)."
    )


def member_violations(
    ledger: Ledger, request: SessionRequest, member: Teamlid, day: date
) -> list[Violation]:
    """Why ``member`` cannot join ``request`` on ``day``, given the sessions in ``ledger``."""
    return [
        Violation(kind, _member_message(kind, ledger, request, member, day), request.id, member.id)
        for kind in member_obstacles(ledger, request, member, day)
    ]


def eligible_members(
    problem: PlanningProblem, ledger: Ledger, request: SessionRequest, day: date
) -> list[Teamlid]:
    """The teamleden who may join ``request`` on ``day`` given ``ledger``."""
    return [
        member for member in problem.members if not member_obstacles(ledger, request, member, day)
    ]


def speaks(members: Iterable[Teamlid], language: str | None) -> bool:
    """Whether someone in ``members`` speaks ``language`` (``None``: no language asked)."""
    return language is None or any(language in member.languages for member in members)


def assignment_violations(
    problem: PlanningProblem, ledger: Ledger, assignment: Assignment
) -> list[Violation]:
    """Every hard rule ``assignment`` breaks, given the other sessions in ``ledger`` (which
    must not contain ``assignment`` itself)."""
    request = problem.requests_by_id.get(assignment.request_id)
    if request is None:
        return [
            Violation(
                ViolationKind.UNKNOWN_REQUEST,
                f"Verzoek {assignment.request_id} is onbekend.",
                assignment.request_id,
            )
        ]
    day = assignment.date
    found = evening_violations(problem, request, day)
    if ledger.organisation_busy(request.organisation_code, day):
        found.append(
            Violation(
                ViolationKind.ORGANISATION_BUSY,
                f"{request.organisation_name} heeft op {format_date(day)} al een sessie.",
                request.id,
            )
        )
    size = problem.team_size(request)
    distinct = set(assignment.member_ids)
    if len(distinct) != size or len(assignment.member_ids) != size:
        found.append(
            Violation(
                ViolationKind.TEAM_SIZE,
                f"Een sessie vraagt {size} verschillende teamleden; dit team heeft er "
                f"{len(distinct)}.",
                request.id,
            )
        )
    members = problem.members_by_id
    team = [members[member_id] for member_id in sorted(distinct) if member_id in members]
    found.extend(
        Violation(
            ViolationKind.UNKNOWN_MEMBER, f"Teamlid {member_id} is onbekend.", request.id, member_id
        )
        for member_id in sorted(distinct)
        if member_id not in members
    )
    if not speaks(team, request.language):
        found.append(
            Violation(
                ViolationKind.LANGUAGE,
                f"Niemand in het team spreekt de gevraagde taal ({request.language}).",
                request.id,
            )
        )
    for member in team:
        found.extend(member_violations(ledger, request, member, day))
    return found


def find_violations(problem: PlanningProblem, assignments: Sequence[Assignment]) -> list[Violation]:
    """All hard violations of a plan: each assignment is checked against the fixed sessions
    and all other assignments (so a clash between two assignments is reported for both)."""
    found: list[Violation] = []
    seen: set[str] = set()
    unique: list[Assignment] = []
    for assignment in assignments:
        if assignment.request_id in seen:
            found.append(
                Violation(
                    ViolationKind.DUPLICATE_REQUEST,
                    f"Verzoek {assignment.request_id} staat meer dan één keer in de planning.",
                    assignment.request_id,
                )
            )
        else:
            seen.add(assignment.request_id)
            unique.append(assignment)
    ledger = Ledger.of(problem, unique)
    requests = problem.requests_by_id
    for assignment in unique:
        known = assignment.request_id in requests
        if known:
            ledger.book_assignment(problem, assignment, -1)
        found.extend(assignment_violations(problem, ledger, assignment))
        if known:
            ledger.book_assignment(problem, assignment)
    return found


def check_assignment(
    problem: PlanningProblem, assignments: Sequence[Assignment], change: Assignment
) -> list[Violation]:
    """Validate a manual change: ``change`` replaces the plan's assignment for the same
    request (or adds one). Returns the broken rules with a Dutch message; empty means the
    change is allowed."""
    others = [a for a in assignments if a.request_id != change.request_id]
    return assignment_violations(problem, Ledger.of(problem, others), change)
