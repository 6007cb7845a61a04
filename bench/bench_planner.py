"""The tour planner on a realistic year: CP-SAT against the greedy baseline.

Instance (fixed seed ``SEED``): one session request for each of the 354 organisations of
2025 (342 gemeenten and 12 provincies, coordinates read from the intake service's data files
as plain CSV), 20 teamleden living at organisation points spread over the country (farthest-
point sampling), each unavailable on 10-20% of the evenings, some with preferred weekdays,
caps 2 per week and 6 per month, a conflict of interest with their home organisation;
12 months of weekday evenings; each request a wished window of 2-4 months, one avoided
weekday (council meetings), some wished weekdays and avoided dates, 30% asking for a woman,
25% with the college taking part, a few asking for a Frisian speaker; a few fixed sessions.

Figures: model build and solve time, solver status and proven gap, planned requests, hard
violations (independent checker), total travel km and fairness (max - min sessions per
teamlid, standard deviation) for both the planner and the greedy baseline.

Re-planning after one change, with the full plan as the current plan (``replan``: entries
that still hold stay, CP-SAT plans the rest): scenario A, one organisation cancels its
planned evening (its request is open again and cannot on that evening); scenario B, one
teamlid is newly unavailable on ``ABSENT_EVENINGS`` evenings, ``ABSENT_WITH_SESSIONS`` of
them with a planned session. Figures: time to answer, sessions changed against the current
plan (the plan summary's "changes against the previous plan"), hard violations. For
comparison, scenario B once more through the whole model (``plan`` with the current plan as
hint and the stability cost), as every run re-planned before ``replan``.

Goals: zero hard violations within ``GOAL_SECONDS`` (model build + solve, on this machine),
with the proven gap reported; the planner beats the greedy baseline on both total travel and
fairness (std dev); each re-plan answers within ``REPLAN_GOAL_SECONDS`` with the smallest
change (A: no other session changes; B: only the sessions on the evenings concerned, one
change each) and no hard violation.

Km and evenings per teamlid come from the plan summary (``scheduling.domain.summary``), the
figures a coordinator sees.
"""

from __future__ import annotations

import asyncio
import csv
import math
import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from scheduling.domain.dates import weekday_evenings
from scheduling.domain.greedy import cheapest_fit, greedy_assignments, greedy_plan
from scheduling.domain.model import (
    Assignment,
    Background,
    DateRange,
    FixedSession,
    PlannerSettings,
    PlanningProblem,
    SessionRequest,
    Teamlid,
    Weekday,
)
from scheduling.domain.planner import plan, replan
from scheduling.domain.result import Plan
from scheduling.domain.rules import find_violations
from scheduling.domain.score import Costs, SoftComponent, score_plan
from scheduling.domain.summary import ChangeKind, PlanSummary, summarise

SEED = 20260105
MEMBERS = 20
PLAN_FROM = date(2026, 1, 5)
TOUR_END = date(2026, 12, 31)
TIME_LIMIT = float(os.environ.get("BENCH_PLANNER_SECONDS", "45"))
WORKERS = 2
GOAL_SECONDS = 60.0
REPLAN_GOAL_SECONDS = 5.0
ABSENT_MEMBER = "T05"
ABSENT_EVENINGS = 5
ABSENT_WITH_SESSIONS = 3
DATA = Path(__file__).resolve().parent.parent / "services/intake/src/intake/data"
FRYSLAN = "PV21"
BACKGROUNDS = (
    [Background.OUD_BURGEMEESTER] * 5
    + [Background.OUD_WETHOUDER] * 5
    + [Background.OUD_RAADSLID] * 5
    + [Background.OUD_STATENLID] * 3
    + [Background.ANDERS] * 2
)


def organisations() -> list[dict[str, Any]]:
    """(code, display name, lat, lon, province code) of all 354 organisations."""
    result = []
    with (DATA / "gemeenten-2025.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            result.append(
                {
                    "code": row["cbs_code"],
                    "name": f"Gemeente {row['name']}",
                    "lat": float(row["lat"]),
                    "lon": float(row["lon"]),
                    "province": row["province_code"],
                }
            )
    with (DATA / "provincies-2025.csv").open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            result.append(
                {
                    "code": row["cbs_code"],
                    "name": f"Provincie {row['name']}",
                    "lat": float(row["lat"]),
                    "lon": float(row["lon"]),
                    "province": row["cbs_code"],
                }
            )
    return result


def _spread_points(points: list[dict[str, Any]], n: int, rng: random.Random) -> list[dict]:
    """Farthest-point sampling: ``n`` organisations spread over the country."""
    chosen = [rng.choice(points)]
    while len(chosen) < n:
        chosen.append(
            max(
                points,
                key=lambda p: min(
                    math.dist((p["lat"], p["lon"]), (c["lat"], c["lon"])) for c in chosen
                ),
            )
        )
    return chosen


def build_problem() -> PlanningProblem:
    rng = random.Random(SEED)
    orgs = organisations()
    evenings = list(weekday_evenings(PLAN_FROM, TOUR_END))
    backgrounds = BACKGROUNDS.copy()
    rng.shuffle(backgrounds)
    members = []
    for i, home in enumerate(_spread_points(orgs, MEMBERS, rng)):
        gender = "vrouw" if i % 5 in (0, 2) else ("man" if i % 5 != 4 else None)
        members.append(
            Teamlid(
                id=f"T{i + 1:02d}",
                name=f"Teamlid {i + 1}",
                background=backgrounds[i],
                home_lat=home["lat"],
                home_lon=home["lon"],
                gender=gender,
                max_per_week=2,
                max_per_month=6,
                languages=frozenset({"nl", "fy"})
                if home["province"] == FRYSLAN or i == 0
                else frozenset({"nl"}),
                excluded_organisations=frozenset({home["code"]}),
                unavailable_dates=frozenset(
                    rng.sample(evenings, round(len(evenings) * rng.uniform(0.10, 0.20)))
                ),
                preferred_weekdays=frozenset(rng.sample(list(Weekday)[:5], 3))
                if i % 2
                else frozenset(),
            )
        )
    requests = []
    for i, org in enumerate(orgs):
        months = rng.randint(2, 4)
        start = PLAN_FROM + timedelta(
            days=rng.randint(0, (TOUR_END - PLAN_FROM).days - months * 30)
        )
        end = min(TOUR_END, start + timedelta(days=months * 30))
        window = [day for day in evenings if start <= day <= end]
        avoided = Weekday(rng.randrange(5))
        wished = (
            frozenset(rng.sample([d for d in list(Weekday)[:5] if d != avoided], 3))
            if rng.random() < 0.3
            else frozenset()
        )
        requests.append(
            SessionRequest(
                id=f"R{i + 1:03d}",
                organisation_code=org["code"],
                organisation_name=org["name"],
                lat=org["lat"],
                lon=org["lon"],
                requested_at=datetime(2025, 4, 1) + timedelta(days=rng.randint(0, 270)),
                wished_periods=(DateRange(start, end),),
                wished_weekdays=wished,
                avoided_weekdays=frozenset({avoided}),
                avoided_dates=frozenset(rng.sample(window, min(len(window), rng.randint(0, 4)))),
                needs_woman=rng.random() < 0.3,
                college_takes_part=rng.random() < 0.25,
                language="fy" if org["province"] == FRYSLAN and rng.random() < 0.2 else None,
            )
        )
    fixed = tuple(
        FixedSession(
            id=f"F{i + 1}",
            organisation_code=orgs[i * 31]["code"],
            date=evenings[3 + i * 2],
            member_ids=(members[i].id, members[i + 10].id),
        )
        for i in range(8)
    )
    settings = PlannerSettings(
        plan_from=PLAN_FROM,
        tour_end=TOUR_END,
        time_limit_seconds=TIME_LIMIT,
        workers=WORKERS,
        random_seed=SEED % 1000,
    )
    return PlanningProblem(tuple(members), tuple(requests), settings, fixed)


def load_figures(summary: PlanSummary) -> dict[str, Any]:
    """Km and evenings per teamlid (confirmed sessions included) from the plan summary."""
    loads = [member.evenings for member in summary.members]
    return {
        "travel_km": summary.km_total,
        "load_min": summary.evenings_min,
        "load_max": summary.evenings_max,
        "load_spread": summary.evenings_max - summary.evenings_min,
        "load_stdev": round(statistics.pstdev(loads), 2),
    }


def figures(problem: PlanningProblem, result: Plan, seconds: float) -> dict[str, Any]:
    return {
        "seconds": round(seconds, 2),
        "status": result.status.value,
        "planned": len(result.sessions),
        "unplanned": len(result.unplanned),
        "hard_violations": len(find_violations(problem, result.assignments)),
        **load_figures(result.summary),
        "pair_misses": result.score.raw(SoftComponent.PAIR),
        "soft_score": result.score.soft,
        "unplanned_reasons": sorted({u.explanation for u in result.unplanned}),
    }


def cancellation(current: PlanningProblem, cancelled: Assignment) -> PlanningProblem:
    """Scenario A: the organisation cancels ``cancelled``; its request is open again (no
    longer in the current plan) and the organisation cannot on that evening."""
    requests = tuple(
        replace(r, avoided_dates=r.avoided_dates | {cancelled.date})
        if r.id == cancelled.request_id
        else r
        for r in current.requests
    )
    previous = tuple(a for a in current.previous if a.request_id != cancelled.request_id)
    return replace(current, requests=requests, previous=previous)


def unavailability(current: PlanningProblem) -> tuple[PlanningProblem, list[date]]:
    """Scenario B: ``ABSENT_MEMBER`` is newly unavailable on ``ABSENT_EVENINGS`` evenings,
    ``ABSENT_WITH_SESSIONS`` of them evenings of their sessions in the current plan."""
    booked = sorted(a.date for a in current.previous if ABSENT_MEMBER in a.member_ids)
    free = [
        day
        for day in weekday_evenings(PLAN_FROM, TOUR_END)
        if day not in booked and day not in current.members_by_id[ABSENT_MEMBER].unavailable_dates
    ]
    step = len(booked) // ABSENT_WITH_SESSIONS
    evenings = booked[::step][:ABSENT_WITH_SESSIONS]
    evenings += free[:: len(free) // 2][: ABSENT_EVENINGS - ABSENT_WITH_SESSIONS]
    members = tuple(
        replace(m, unavailable_dates=m.unavailable_dates | set(evenings))
        if m.id == ABSENT_MEMBER
        else m
        for m in current.members
    )
    return replace(current, members=members), sorted(evenings)


def change_figures(problem: PlanningProblem, result: Plan, seconds: float) -> dict[str, Any]:
    """How a re-plan answered: time, hard violations and what changed against the current
    plan (the summary's changes: another evening, another team, dropped)."""
    summary = result.summary
    kinds = {kind: sum(1 for c in summary.changes if c.kind is kind) for kind in ChangeKind}
    solver = result.solver
    return {
        "seconds": round(seconds, 2),
        "status": result.status.value,
        "hard_violations": len(find_violations(problem, result.assignments)),
        "planned": summary.planned,
        "changed": len(summary.changes),
        "moved_evening": kinds[ChangeKind.MOVED],
        "team_changed": kinds[ChangeKind.TEAM_CHANGED],
        "dropped": kinds[ChangeKind.DROPPED],
        "unchanged": summary.unchanged,
        "new": summary.new,
        "stability_changes": result.score.raw(SoftComponent.STABILITY),
        "variables": None if solver is None else solver.variables,
        "gap": None if solver is None else solver.gap,
    }


def timed(solve: Callable[[PlanningProblem], Plan], problem: PlanningProblem) -> tuple[Plan, float]:
    clock = time.perf_counter()
    result = solve(problem)
    return result, time.perf_counter() - clock


def replans(problem: PlanningProblem, result: Plan) -> dict[str, Any]:
    """Scenarios A and B against ``result`` as the current plan, and B through the whole
    model for comparison."""
    current = replace(problem, previous=result.assignments)
    cancelled = result.assignments[len(result.assignments) // 2]
    after_cancel = cancellation(current, cancelled)
    after_absence, evenings = unavailability(current)
    concerned = {
        a.request_id
        for a in current.previous
        if ABSENT_MEMBER in a.member_ids and a.date in evenings
    }
    a_plan, a_seconds = timed(replan, after_cancel)
    b_plan, b_seconds = timed(replan, after_absence)
    whole, whole_seconds = timed(plan, after_absence)
    replanned = a_plan.session_for(cancelled.request_id)
    return {
        "cancellation": {
            "cancelled_request": cancelled.request_id,
            "cancelled_on": cancelled.date.isoformat(),
            "replanned_on": None if replanned is None else replanned.assignment.date.isoformat(),
            **change_figures(after_cancel, a_plan, a_seconds),
        },
        "unavailability": {
            "member": ABSENT_MEMBER,
            "evenings": [day.isoformat() for day in evenings],
            "sessions_concerned": len(concerned),
            **change_figures(after_absence, b_plan, b_seconds),
        },
        "unavailability_whole_model": change_figures(after_absence, whole, whole_seconds),
    }


def measure() -> dict[str, Any]:
    load_before = os.getloadavg()
    problem = build_problem()
    clock = time.perf_counter()
    greedy = greedy_plan(problem)
    greedy_seconds = time.perf_counter() - clock
    progress: list[tuple[float, int, int]] = []
    clock = time.perf_counter()
    result = plan(
        problem,
        on_progress=lambda p: progress.append((p.elapsed_seconds, p.objective, p.best_bound)),
    )
    planner_seconds = time.perf_counter() - clock
    assert result.solver is not None
    solver = result.solver
    costs = Costs(problem)
    hint = greedy_assignments(problem, costs, cheapest_fit)
    hint_score = score_plan(problem, hint, costs)
    hint_loads = load_figures(summarise(problem, costs, hint, ()))
    return {
        "instance": {
            "requests": len(problem.requests),
            "members": len(problem.members),
            "evenings": len(list(weekday_evenings(PLAN_FROM, TOUR_END))),
            "fixed_sessions": len(problem.fixed_sessions),
            "time_limit_seconds": TIME_LIMIT,
            "workers": WORKERS,
            "cpus": os.cpu_count(),
            "load_average_before": round(load_before[0], 2),
        },
        "solver": {
            "build_seconds": round(solver.build_seconds, 2),
            "solve_seconds": round(solver.solve_seconds, 2),
            "objective": solver.objective,
            "best_bound": solver.best_bound,
            "gap": solver.gap,
            "solutions": solver.solutions,
            "variables": solver.variables,
            "constraints": solver.constraints,
            "progress": progress,
        },
        "hint": {
            "planned": len(hint),
            "travel_km": hint_loads["travel_km"],
            "load_stdev": hint_loads["load_stdev"],
            "soft_score": hint_score.soft,
        },
        "planner": figures(problem, result, planner_seconds),
        "greedy": figures(problem, greedy, greedy_seconds),
        "replan": replans(problem, result),
    }


def report(measured: dict[str, Any]) -> dict[str, Any]:
    cp, greedy, solver = measured["planner"], measured["greedy"], measured["solver"]
    gap_text = _percent(solver["gap"])
    changes = measured["replan"]
    cancel, absence = changes["cancellation"], changes["unavailability"]
    goals = [
        {
            "name": "hard violations of the plan, within the time budget",
            "target": f"0 within {GOAL_SECONDS:g} s",
            "measured": f"{cp['hard_violations']} in {cp['seconds']} s (proven gap {gap_text})",
            "met": cp["hard_violations"] == 0 and cp["seconds"] <= GOAL_SECONDS,
        },
        {
            "name": "re-plan A (cancellation): time, other sessions changed",
            "target": f"<= {REPLAN_GOAL_SECONDS:g} s, 0 changed, 0 hard violations",
            "measured": f"{cancel['seconds']} s, {cancel['changed']} changed, "
            f"{cancel['hard_violations']} hard violations",
            "met": _replan_met(cancel, 0) and cancel["replanned_on"] is not None,
        },
        {
            "name": "re-plan B (teamlid unavailable): time, sessions changed",
            "target": f"<= {REPLAN_GOAL_SECONDS:g} s, {absence['sessions_concerned']} changed "
            "(one change each), 0 hard violations",
            "measured": f"{absence['seconds']} s, {absence['changed']} changed "
            f"({absence['stability_changes']} changes), {absence['hard_violations']} hard "
            "violations",
            "met": _replan_met(absence, absence["sessions_concerned"]),
        },
        {
            "name": "planned requests vs greedy",
            "target": f">= {greedy['planned']}",
            "measured": cp["planned"],
            "met": cp["planned"] >= greedy["planned"],
        },
        {
            "name": "total travel km vs greedy",
            "target": f"< {greedy['travel_km']}",
            "measured": cp["travel_km"],
            "met": cp["travel_km"] < greedy["travel_km"],
        },
        {
            "name": "load std dev per teamlid vs greedy",
            "target": f"< {greedy['load_stdev']}",
            "measured": cp["load_stdev"],
            "met": cp["load_stdev"] < greedy["load_stdev"],
        },
        {
            "name": "load max - min per teamlid vs greedy",
            "target": f"<= {greedy['load_spread']}",
            "measured": cp["load_spread"],
            "met": cp["load_spread"] <= greedy["load_spread"],
        },
    ]
    instance = measured["instance"]
    summary = [
        f"{instance['requests']} requests, {instance['members']} teamleden, "
        f"{instance['evenings']} evenings, {instance['fixed_sessions']} fixed sessions; "
        f"{instance['workers']} workers on {instance['cpus']} CPUs "
        f"(load average before {instance['load_average_before']})",
        f"CP-SAT: build {solver['build_seconds']} s, solve {solver['solve_seconds']} s "
        f"(limit {instance['time_limit_seconds']:g} s), status {cp['status']}, "
        f"{solver['solutions']} solutions, {solver['variables']} variables, "
        f"{solver['constraints']} constraints",
        f"CP-SAT: objective {solver['objective']}, best bound {solver['best_bound']}, "
        f"proven gap {gap_text}",
    ]
    hint = measured["hint"]
    summary.append(
        f"CP-SAT hint (cost-aware greedy): {hint['planned']} planned, {hint['travel_km']} km, "
        f"load std dev {hint['load_stdev']}, soft score {hint['soft_score']}"
    )
    for name, figs in (("planner", cp), ("greedy", greedy)):
        summary.append(
            f"{name}: {figs['planned']} planned, {figs['unplanned']} unplanned, "
            f"{figs['hard_violations']} hard violations, {figs['travel_km']} km, loads "
            f"{figs['load_min']}-{figs['load_max']} (spread {figs['load_spread']}, std dev "
            f"{figs['load_stdev']}), {figs['pair_misses']} pair misses, soft score "
            f"{figs['soft_score']}, {figs['seconds']} s wall"
        )
    whole = changes["unavailability_whole_model"]
    summary += [
        f"full plan: {cp['hard_violations']} hard violations in {cp['seconds']} s "
        f"(limit {GOAL_SECONDS:g} s), proven gap {gap_text}: {_verdict(goals[0]['met'])}",
        f"re-plan A, {cancel['cancelled_request']} cancels {cancel['cancelled_on']}: answer in "
        f"{cancel['seconds']} s (limit {REPLAN_GOAL_SECONDS:g} s), re-planned on "
        f"{cancel['replanned_on']}, {_changed(cancel)}: {_verdict(goals[1]['met'])}",
        f"re-plan B, {absence['member']} unavailable on {len(absence['evenings'])} evenings "
        f"({absence['sessions_concerned']} with a session): answer in {absence['seconds']} s "
        f"(limit {REPLAN_GOAL_SECONDS:g} s), {_changed(absence)}: {_verdict(goals[2]['met'])}",
        f"re-plan B through the whole model (for comparison): {whole['seconds']} s, "
        f"{_changed(whole)}, proven gap {_percent(whole['gap'])}",
    ]
    return {"summary": summary, "goals": goals, **measured}


def _replan_met(figures: dict[str, Any], smallest: int) -> bool:
    return (
        figures["seconds"] <= REPLAN_GOAL_SECONDS
        and figures["hard_violations"] == 0
        and figures["changed"] == figures["stability_changes"] == smallest
    )


def _changed(figures: dict[str, Any]) -> str:
    return (
        f"{figures['changed']} sessions changed ({figures['moved_evening']} to another evening, "
        f"{figures['team_changed']} another team, {figures['dropped']} dropped), "
        f"{figures['hard_violations']} hard violations"
    )


def _percent(gap: float | None) -> str:
    return "n/a" if gap is None else f"{gap:.2%}"


def _verdict(met: bool) -> str:
    return "gehaald" if met else "niet gehaald"


async def run() -> dict[str, Any]:
    return report(await asyncio.to_thread(measure))
