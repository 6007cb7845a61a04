"""Why a session is planned as it is: Dutch lines for the coordinator.

"Why this evening, why these two": the evening against the organisation's wishes and its
waiting time, each teamlid's travel and load, whether the asked-for woman or burgemeester
experience is in the team, which nearer teamleden could have gone (and their load), and
what changed against the previous plan.
"""

from __future__ import annotations

from scheduling.domain.dates import (
    count_word,
    days_text,
    format_date,
    format_period,
    format_weekdays,
    join_dutch,
    sessions_text,
)
from scheduling.domain.model import Assignment, PlanningProblem, SessionRequest, Teamlid, Weekday
from scheduling.domain.rules import Ledger, eligible_members
from scheduling.domain.score import Costs


def explain_assignment(
    problem: PlanningProblem, costs: Costs, ledger: Ledger, assignment: Assignment
) -> tuple[str, ...]:
    """Dutch explanation of ``assignment``; ``ledger`` books the whole plan (it is used to
    find the alternatives and is left as it was)."""
    request = problem.requests_by_id[assignment.request_id]
    members = problem.members_by_id
    team = [members[member_id] for member_id in assignment.member_ids]
    lines = [
        _why_evening(problem, costs, request, assignment),
        _why_team(costs, ledger, request, team, assignment),
    ]
    lines.extend(_pair_lines(request, team))
    ledger.book_assignment(problem, assignment, -1)
    alternatives = eligible_members(problem, ledger, request, assignment.date)
    ledger.book_assignment(problem, assignment)
    lines.append(_alternatives(costs, ledger, request, team, alternatives))
    previous = problem.previous_by_request.get(assignment.request_id)
    if previous is not None:
        lines.append(_against_previous(problem, previous, assignment))
    return tuple(lines)


def _why_evening(
    problem: PlanningProblem, costs: Costs, request: SessionRequest, assignment: Assignment
) -> str:
    day = assignment.date
    weekday = Weekday.of(day)
    if request.wished_periods:
        periods = "; ".join(format_period(period) for period in request.wished_periods)
        parts = [f"binnen de gewenste periode ({periods})"]
    else:
        tour_end = format_date(problem.settings.tour_end)
        parts = [f"geen periode gewenst, dus binnen de tour (t/m {tour_end})"]
    if request.wished_weekdays:
        parts.append(f"{weekday.label} is een gewenste weekdag")
    if request.avoided_weekdays:
        parts.append(f"niet op een vermeden dag ({format_weekdays(request.avoided_weekdays)})")
    delay = costs.delay_days(request, day)
    if delay == 0:
        parts.append("de eerst mogelijke avond")
    else:
        first = format_date(costs.evenings(request)[0])
        parts.append(f"{days_text(delay)} na de eerst mogelijke avond ({first})")
    if costs.waiting_level(request) > 1:
        since = format_date(request.requested_at.date())
        parts.append(f"het verzoek wacht al sinds {since}: wie langer wacht, gaat voor")
    return f"{format_date(day).capitalize()}: {'; '.join(parts)}."


def _member_summary(costs: Costs, ledger: Ledger, request: SessionRequest, member: Teamlid) -> str:
    return (
        f"{member.label} ({costs.km(member, request)} km, {sessions_text(ledger.total(member.id))})"
    )


def _why_team(
    costs: Costs,
    ledger: Ledger,
    request: SessionRequest,
    team: list[Teamlid],
    assignment: Assignment,
) -> str:
    described = []
    for member in team:
        text = _member_summary(costs, ledger, request, member)
        if costs.off_preference(member, assignment.date):
            text += ", niet op een voorkeursdag"
        described.append(text)
    return f"Team: {join_dutch(described)}; reisafstand vanaf huis, sessies in deze planning."


def _pair_lines(request: SessionRequest, team: list[Teamlid]) -> list[str]:
    lines = []
    if request.needs_woman:
        if any(member.is_woman for member in team):
            lines.append("Er zit een vrouw in het team, zoals gevraagd.")
        else:
            lines.append("Let op: er zit geen vrouw in het team, hoewel daarom gevraagd is.")
    if request.college_takes_part:
        if any(member.has_burgemeester_experience for member in team):
            lines.append(
                "Het college doet mee: er zit iemand met burgemeesterservaring in het team."
            )
        else:
            lines.append(
                "Let op: het college doet mee, maar er zit niemand met burgemeesterservaring "
                "in het team."
            )
    return lines


def _alternatives(
    costs: Costs,
    ledger: Ledger,
    request: SessionRequest,
    team: list[Teamlid],
    eligible: list[Teamlid],
) -> str:
    farthest = max(costs.km(member, request) for member in team)
    nearer = sorted(
        (m for m in eligible if m not in team and costs.km(m, request) < farthest),
        key=lambda member: (costs.km(member, request), member.id),
    )
    if not nearer:
        return (
            f"Dit zijn de {count_word(len(team))} dichtstbijzijnde teamleden die deze avond kunnen."
        )
    others = join_dutch([_member_summary(costs, ledger, request, m) for m in nearer])
    verbs = ("woont", "kon") if len(nearer) == 1 else ("wonen", "konden")
    return (
        f"Dichterbij {verbs[0]} {others}, die deze avond ook {verbs[1]}; gekozen is voor een "
        "evenwichtige verdeling van het werk en een passend team."
    )


def _against_previous(
    problem: PlanningProblem, previous: Assignment, assignment: Assignment
) -> str:
    if previous.date == assignment.date and set(previous.member_ids) == set(assignment.member_ids):
        return "Ongewijzigd ten opzichte van de vorige planning."
    members = problem.members_by_id
    names = [members[m].label if m in members else m for m in previous.member_ids]
    return (
        f"Gewijzigd ten opzichte van de vorige planning (was {format_date(previous.date)} "
        f"met {join_dutch(names)})."
    )
