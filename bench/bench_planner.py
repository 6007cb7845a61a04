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

Goals: zero hard violations within ``GOAL_SECONDS`` (model build + solve, on this machine),
and the planner beats the greedy baseline on both total travel and fairness (std dev).
"""

from __future__ import annotations

import asyncio
import csv
import math
import os
import random
import statistics
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from scheduling.domain.dates import weekday_evenings
from scheduling.domain.greedy import cheapest_fit, greedy_assignments, greedy_plan
from scheduling.domain.model import (
    Background,
    DateRange,
    FixedSession,
    PlannerSettings,
    PlanningProblem,
    SessionRequest,
    Teamlid,
    Weekday,
)
from scheduling.domain.planner import plan
from scheduling.domain.result import Plan
from scheduling.domain.rules import find_violations
from scheduling.domain.score import Costs, SoftComponent, member_loads, score_plan

SEED = 20260105
MEMBERS = 20
PLAN_FROM = date(2026, 1, 5)
TOUR_END = date(2026, 12, 31)
TIME_LIMIT = float(os.environ.get("BENCH_PLANNER_SECONDS", "45"))
WORKERS = 2
GOAL_SECONDS = 60.0
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


def figures(problem: PlanningProblem, result: Plan, seconds: float) -> dict[str, Any]:
    loads = list(member_loads(problem, result.assignments).values())
    return {
        "seconds": round(seconds, 2),
        "status": result.status.value,
        "planned": len(result.sessions),
        "unplanned": len(result.unplanned),
        "hard_violations": len(find_violations(problem, result.assignments)),
        "travel_km": result.score.raw(SoftComponent.TRAVEL),
        "load_min": min(loads),
        "load_max": max(loads),
        "load_spread": max(loads) - min(loads),
        "load_stdev": round(statistics.pstdev(loads), 2),
        "pair_misses": result.score.raw(SoftComponent.PAIR),
        "soft_score": result.score.soft,
        "unplanned_reasons": sorted({u.explanation for u in result.unplanned}),
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
    hint = greedy_assignments(problem, Costs(problem), cheapest_fit)
    hint_loads = list(member_loads(problem, hint).values())
    hint_score = score_plan(problem, hint)
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
            "travel_km": hint_score.raw(SoftComponent.TRAVEL),
            "load_stdev": round(statistics.pstdev(hint_loads), 2),
            "soft_score": hint_score.soft,
        },
        "planner": figures(problem, result, planner_seconds),
        "greedy": figures(problem, greedy, greedy_seconds),
    }


def report(measured: dict[str, Any]) -> dict[str, Any]:
    cp, greedy, solver = measured["planner"], measured["greedy"], measured["solver"]
    gap = solver["gap"]
    gap_text = "n/a" if gap is None else f"{gap:.2%}"
    goals = [
        {
            "name": "hard violations of the plan, within the time budget",
            "target": f"0 within {GOAL_SECONDS:g} s",
            "measured": f"{cp['hard_violations']} in {cp['seconds']} s",
            "met": cp["hard_violations"] == 0 and cp["seconds"] <= GOAL_SECONDS,
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
    return {"summary": summary, "goals": goals, **measured}


async def run() -> dict[str, Any]:
    return report(await asyncio.to_thread(measure))
