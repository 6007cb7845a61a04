"""Why a request stays unplanned, in one Dutch sentence for the coordinator.

The reason is derived from the rules, not from the solver: first the request's own wishes
(period after the tour, no evening that fits the weekdays), then the team (conflicts of
interest, language), then what blocks the teamleden on the possible evenings given the
final plan (unavailability, other sessions, weekly or monthly caps): the most frequent
obstacle is reported.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum

from scheduling.domain.dates import count_word, format_date
from scheduling.domain.model import PlanningProblem, SessionRequest
from scheduling.domain.rules import (
    Ledger,
    ViolationKind,
    allowed_evenings,
    member_obstacles,
    speaks,
)


class UnplannedReason(StrEnum):
    PERIOD_AFTER_TOUR = "periode-na-einde-tour"
    PERIOD_PASSED = "periode-voorbij"
    NO_MATCHING_EVENING = "geen-passende-avond"
    CONFLICT_OF_INTEREST = "belangenconflict"
    LANGUAGE = "taal"
    NO_TEAM_AVAILABLE = "geen-team-beschikbaar"
    TEAM_BOOKED = "teamleden-al-ingepland"
    WEEK_CAP = "weekplafond"
    MONTH_CAP = "maandplafond"
    ORGANISATION_BUSY = "organisatie-al-ingepland"
    NOT_FOUND = "niet-gevonden-binnen-rekentijd"


@dataclass(frozen=True, slots=True)
class UnplannedRequest:
    request_id: str
    reason: UnplannedReason
    explanation: str


# The obstacle on an evening, in the order member_obstacles reports them.
_BLOCKING = {
    ViolationKind.MEMBER_UNAVAILABLE: UnplannedReason.NO_TEAM_AVAILABLE,
    ViolationKind.DOUBLE_BOOKING: UnplannedReason.TEAM_BOOKED,
    ViolationKind.WEEK_CAP: UnplannedReason.WEEK_CAP,
    ViolationKind.MONTH_CAP: UnplannedReason.MONTH_CAP,
    ViolationKind.ORGANISATION_BUSY: UnplannedReason.ORGANISATION_BUSY,
}


def diagnose(problem: PlanningProblem, ledger: Ledger, request: SessionRequest) -> UnplannedRequest:
    """The main reason ``request`` cannot be planned next to the sessions in ``ledger``."""
    reason, text = _diagnose(problem, ledger, request)
    return UnplannedRequest(request.id, reason, text)


def _diagnose(
    problem: PlanningProblem, ledger: Ledger, request: SessionRequest
) -> tuple[UnplannedReason, str]:
    settings = problem.settings
    org = request.organisation_name
    size = problem.team_size(request)
    evenings = allowed_evenings(problem, request)
    if not evenings:
        periods = request.wished_periods
        if periods and all(period.start > settings.tour_end for period in periods):
            return UnplannedReason.PERIOD_AFTER_TOUR, (
                "De gewenste periode ligt na het einde van de tour "
                f"({format_date(settings.tour_end)})."
            )
        if periods and all(period.end < settings.plan_from for period in periods):
            return UnplannedReason.PERIOD_PASSED, "De gewenste periode is al voorbij."
        return UnplannedReason.NO_MATCHING_EVENING, (
            "Er is geen doordeweekse avond in de gewenste periode die past bij de gewenste "
            "en vermeden weekdagen en data."
        )
    free = [m for m in problem.members if request.organisation_code not in m.excluded_organisations]
    if len(free) < size:
        if not free:
            return UnplannedReason.CONFLICT_OF_INTEREST, (
                f"Alle teamleden hebben een belangenconflict met {org}."
            )
        who = (
            "is maar één teamlid"
            if len(free) == 1
            else f"zijn maar {count_word(len(free))} teamleden"
        )
        return UnplannedReason.CONFLICT_OF_INTEREST, (
            f"Er {who} zonder belangenconflict met {org}; er zijn er {count_word(size)} nodig."
        )
    if not speaks(free, request.language):
        return UnplannedReason.LANGUAGE, (
            f"Geen teamlid zonder belangenconflict spreekt de gevraagde taal ({request.language})."
        )
    obstacles: Counter[ViolationKind] = Counter()
    for day in evenings:
        if ledger.organisation_busy(request.organisation_code, day):
            obstacles[ViolationKind.ORGANISATION_BUSY] += 1
            continue
        eligible = []
        for member in free:
            blocking = member_obstacles(ledger, request, member, day)
            if blocking:
                obstacles[blocking[0]] += 1
            else:
                eligible.append(member)
        if len(eligible) >= size and speaks(eligible, request.language):
            return UnplannedReason.NOT_FOUND, (
                f"Er is een mogelijke avond ({format_date(day)}), maar de planner heeft die "
                "binnen de rekentijd niet gevonden: plan opnieuw of plan met de hand."
            )
    order = list(_BLOCKING)
    dominant = max(obstacles, key=lambda kind: (obstacles[kind], -order.index(kind)))
    reason = _BLOCKING[dominant]
    n = len(evenings)
    texts = {
        UnplannedReason.NO_TEAM_AVAILABLE: (
            f"Geen {count_word(size)} teamleden beschikbaar op dezelfde avond in de gewenste "
            f"periode ({n} mogelijke avonden)."
        ),
        UnplannedReason.TEAM_BOOKED: (
            f"De teamleden die kunnen, hebben op alle {n} mogelijke avonden al een andere sessie."
        ),
        UnplannedReason.WEEK_CAP: (
            f"Weekplafond bereikt: op de {n} mogelijke avonden hebben te veel teamleden hun "
            "maximum aantal sessies per week al."
        ),
        UnplannedReason.MONTH_CAP: (
            f"Maandplafond bereikt: op de {n} mogelijke avonden hebben te veel teamleden hun "
            "maximum aantal sessies per maand al."
        ),
        UnplannedReason.ORGANISATION_BUSY: (
            f"{org} heeft op alle {n} mogelijke avonden al een sessie."
        ),
    }
    return reason, texts[reason]
