"""Typed inputs of the tour planner: teamleden, session requests, fixed sessions, settings.

Plain frozen dataclasses so that the planner stays pure: the service layer maps its database
rows onto these and back. Weekdays follow :meth:`datetime.date.weekday` (Monday = 0) so a
date's weekday compares directly with the sets below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import IntEnum, StrEnum
from functools import cached_property

WOMAN = "vrouw"


class Weekday(IntEnum):
    """A day of the week, numbered as :meth:`datetime.date.weekday` numbers them."""

    MAANDAG = 0
    DINSDAG = 1
    WOENSDAG = 2
    DONDERDAG = 3
    VRIJDAG = 4
    ZATERDAG = 5
    ZONDAG = 6

    @property
    def label(self) -> str:
        """The Dutch name, as it appears in explanations ("dinsdag")."""
        return self.name.lower()

    @classmethod
    def of(cls, day: date) -> Weekday:
        return cls(day.weekday())


class Background(StrEnum):
    """The former office a teamlid brings in (the experience that makes a useful pair)."""

    OUD_BURGEMEESTER = "oud-burgemeester"
    OUD_WETHOUDER = "oud-wethouder"
    OUD_RAADSLID = "oud-raadslid"
    OUD_STATENLID = "oud-statenlid"
    ANDERS = "anders"


@dataclass(frozen=True, slots=True)
class DateRange:
    """An inclusive range of dates (a wished period)."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Teamlid:
    """A member of the Ondersteuningsteam who holds sessions.

    ``gender`` is self-described (``"vrouw"``, ``"man"``, anything else, or unknown); only
    ``"vrouw"`` has a meaning for the planner (``needs_woman``).
    """

    id: str
    background: Background
    home_lat: float
    home_lon: float
    name: str = ""
    gender: str | None = None
    max_per_week: int = 2
    max_per_month: int = 6
    languages: frozenset[str] = frozenset({"nl"})
    excluded_organisations: frozenset[str] = frozenset()
    unavailable_dates: frozenset[date] = frozenset()
    preferred_weekdays: frozenset[Weekday] = frozenset()

    @property
    def label(self) -> str:
        return self.name or self.id

    @property
    def is_woman(self) -> bool:
        return (self.gender or "").strip().lower() == WOMAN

    @property
    def has_burgemeester_experience(self) -> bool:
        return self.background is Background.OUD_BURGEMEESTER


@dataclass(frozen=True, slots=True)
class SessionRequest:
    """An organisation's wish for a sessie, after its voorgesprek.

    Empty ``wished_periods`` means any evening of the tour; empty ``wished_weekdays`` means
    any weekday. ``avoided_weekdays`` are typically the council's meeting evenings.
    ``language`` asks for at least one teamlid who speaks it (e.g. ``"fy"`` in Fryslân).
    """

    id: str
    organisation_code: str
    organisation_name: str
    lat: float
    lon: float
    requested_at: datetime
    wished_periods: tuple[DateRange, ...] = ()
    wished_weekdays: frozenset[Weekday] = frozenset()
    avoided_weekdays: frozenset[Weekday] = frozenset()
    avoided_dates: frozenset[date] = frozenset()
    needs_woman: bool = False
    college_takes_part: bool = False
    team_size: int | None = None
    language: str | None = None

    def __post_init__(self) -> None:
        if self.team_size is not None and self.team_size < 1:
            raise ValueError("team_size must be at least 1 (or None for the default)")


@dataclass(frozen=True, slots=True)
class FixedSession:
    """A confirmed session: not planned again, but it books its members and organisation."""

    id: str
    organisation_code: str
    date: date
    member_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Assignment:
    """One request planned on one evening with its team (also: a previous plan's entry)."""

    request_id: str
    date: date
    member_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Weights:
    """Integer weights of the soft constraints (the objective is a weighted integer sum).

    Units: ``travel`` per km (home to organisation, per teamlid); ``fairness`` per unit of the
    sum of squared session counts per teamlid; ``waiting`` per day after the request's first
    possible evening, times the request's waiting level (1-4); ``pair`` per missing woman or
    burgemeester experience that was asked for; ``weekday_preference`` per teamlid planned
    outside their preferred weekdays; ``stability`` per changed date or replaced teamlid
    compared with the previous plan.
    """

    travel: int = 1
    fairness: int = 6
    waiting: int = 1
    pair: int = 150
    weekday_preference: int = 10
    stability: int = 1000

    def __post_init__(self) -> None:
        if any(value < 0 for value in self.as_dict().values()):
            raise ValueError("weights must not be negative")

    def as_dict(self) -> Mapping[str, int]:
        return {
            "travel": self.travel,
            "fairness": self.fairness,
            "waiting": self.waiting,
            "pair": self.pair,
            "weekday_preference": self.weekday_preference,
            "stability": self.stability,
        }


@dataclass(frozen=True, slots=True)
class PlannerSettings:
    """How to plan: the candidate evenings (Monday-Friday from ``plan_from`` up to and
    including ``tour_end``), team size, weights and solver limits.

    ``max_candidate_evenings`` and ``max_candidate_members`` bound the model per request (the
    evenings are spread evenly over the request's window; the members are the nearest ones
    plus whoever a wish needs); ``None`` keeps all of them. ``time_limit_seconds`` is the
    wall time of a run, building the model included.
    """

    plan_from: date
    tour_end: date
    team_size: int = 2
    weights: Weights = field(default_factory=Weights)
    max_candidate_evenings: int | None = 12
    max_candidate_members: int | None = 10
    time_limit_seconds: float = 30.0
    workers: int = 2
    random_seed: int = 0

    def __post_init__(self) -> None:
        if self.tour_end < self.plan_from:
            raise ValueError("tour_end lies before plan_from")
        if self.team_size < 1:
            raise ValueError("team_size must be at least 1")
        for limit in (self.max_candidate_evenings, self.max_candidate_members):
            if limit is not None and limit < 1:
                raise ValueError("candidate limits must be at least 1")


@dataclass(frozen=True)
class PlanningProblem:
    """Everything the planner needs, in one value (ids must be unique).

    Not slotted, so that the id lookups below are computed once per problem.
    """

    members: tuple[Teamlid, ...]
    requests: tuple[SessionRequest, ...]
    settings: PlannerSettings
    fixed_sessions: tuple[FixedSession, ...] = ()
    previous: tuple[Assignment, ...] = ()

    def __post_init__(self) -> None:
        for kind, ids in (
            ("teamlid", [m.id for m in self.members]),
            ("request", [r.id for r in self.requests]),
            ("previous assignment", [a.request_id for a in self.previous]),
        ):
            if len(set(ids)) != len(ids):
                raise ValueError(f"duplicate {kind} id")

    def team_size(self, request: SessionRequest) -> int:
        return request.team_size or self.settings.team_size

    @cached_property
    def members_by_id(self) -> Mapping[str, Teamlid]:
        return {member.id: member for member in self.members}

    @cached_property
    def requests_by_id(self) -> Mapping[str, SessionRequest]:
        return {request.id: request for request in self.requests}

    @cached_property
    def previous_by_request(self) -> Mapping[str, Assignment]:
        return {assignment.request_id: assignment for assignment in self.previous}
