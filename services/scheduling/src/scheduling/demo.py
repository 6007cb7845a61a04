"""Demo data for scheduling: a fictional team of twelve with their availability, the tour's
history (a held session for every request whose wished period is over) and a planner run
for the coming weeks, half of its proposals confirmed, so agendas and feeds show them.

Relative to today (``ontour.clock``) and seeded, like intake's demo tour it follows.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

import httpx
from ontour.clock import today as clock_today
from ontour.devstack.tour_calendar import EVENINGS, demo_scale, in_recess, visits

API = "/scheduling/api/v1"
SEED = 2022
WAIT_SECONDS = 60
PLANNER_SECONDS = 3
WORKERS = 4
TEAM = [
    ("tom.teamlid", "Tom Bakker", "oud-wethouder", "man", 52.09, 5.12),
    ("fatima.teamlid", "Fatima El Amrani", "oud-burgemeester", "vrouw", 52.37, 4.90),
    ("anne.teamlid", "Anne de Boer", "oud-raadslid", "vrouw", 53.22, 6.57),
    ("henk.teamlid", "Henk Jansen", "oud-burgemeester", "man", 51.44, 5.48),
    ("sanne.teamlid", "Sanne Visser", "oud-statenlid", "vrouw", 51.98, 5.91),
    ("pieter.teamlid", "Pieter Smit", "oud-wethouder", "man", 51.92, 4.48),
    ("yara.teamlid", "Yara Haddou", "oud-raadslid", "vrouw", 52.16, 4.49),
    ("koen.teamlid", "Koen van Dijk", "oud-statenlid", "man", 52.51, 6.09),
    ("lisa.teamlid", "Lisa Mertens", "oud-burgemeester", "vrouw", 50.85, 5.69),
    ("ahmed.teamlid", "Ahmed Benali", "oud-wethouder", "man", 51.59, 4.78),
    ("els.teamlid", "Els Hoekstra", "oud-statenlid", "vrouw", 53.20, 5.80),
    ("bart.teamlid", "Bart Willems", "oud-raadslid", "man", 51.50, 3.61),
]


def _wait(client: httpx.Client, path: str, done: Callable[[Any], bool], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(path).json()
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.3)


def _team(client: httpx.Client, rng: random.Random, today: date) -> None:
    """Each teamlid with two favourite evenings and a few days off in the coming months."""
    for subject, name, background, gender, lat, lon in TEAM:
        evenings = rng.sample(EVENINGS, 2)
        created = client.post(
            f"{API}/teamleden",
            json={"id": subject, "name": name, "background": background, "gender": gender,
                  "home_lat": lat, "home_lon": lon, "preferred_weekdays": evenings},
        )  # fmt: skip
        if created.status_code == 409:
            continue  # a system already in use keeps its own team
        created.raise_for_status()
        away = sorted(
            {today + timedelta(days=rng.randint(7, 120)) for _ in range(rng.randint(3, 8))}
        )
        client.put(
            f"{API}/teamleden/{subject}/beschikbaarheid",
            json={"unavailable_dates": [d.isoformat() for d in away],
                  "preferred_weekdays": evenings, "version": created.json()["version"]},
        ).raise_for_status()  # fmt: skip


def _held_on(request: dict[str, Any], today: date) -> date | None:
    """An evening in the request's wished period, on a wished weekday, before today; None if
    the period is not over yet (the planner's) or has no such evening."""
    periods = [(date.fromisoformat(p["start"]), date.fromisoformat(p["end"]))
               for p in request["preferred_periods"]]  # fmt: skip
    if not periods or max(end for _, end in periods) >= today:
        return None
    wished = {EVENINGS.index(d) for d in request["preferred_weekdays"] if d in EVENINGS}
    evenings = [
        day
        for start, end in periods
        for n in range((end - start).days + 1)
        if (day := start + timedelta(days=n)).weekday() in (wished or {0, 1, 2, 3})
        and not in_recess(day)
    ]
    rng = random.Random(f"{request['organisation_code']}{request['requested_on']}")
    return rng.choice(evenings) if evenings else None


def _history(client: httpx.Client, requests: list[dict[str, Any]], today: date) -> int:
    """Record a held session for every request whose wished period is over."""
    bodies = []
    for request in requests:
        held_on = _held_on(request, today)
        if held_on is None:
            continue
        rng = random.Random(request["id"])
        bodies.append({
            "request_id": request["id"], "on": held_on.isoformat(),
            "members": [m[0] for m in rng.sample(TEAM, 2)],
            "participants": rng.randint(12, 45), "evaluation_score": rng.choice([7, 8, 8, 9, 9]),
            "follow_up_wishes": rng.sample(["nazorg", "terugkomsessie", "materiaal"],
                                           rng.randint(0, 2)),
        })  # fmt: skip
    with ThreadPoolExecutor(WORKERS) as pool:
        for response in pool.map(lambda b: client.post(f"{API}/sessies", json=b), bodies):
            response.raise_for_status()
    return len(bodies)


def planner_outcome(run: dict[str, Any], proposed: int) -> str:
    """The planner's outcome in words: done, or why it proposed nothing."""
    if run["status"] != "klaar":
        return f"planner: {run['status']}"
    if proposed:
        return "planner: klaar"
    why = Counter(u["explanation"].rstrip(".") for u in (run["result"] or {}).get("unplanned", []))
    if not why:
        return "planner: klaar, geen open verzoeken"
    return "planner: klaar, niets voorgesteld: " + "; ".join(
        f"{count} verzoeken: {reason}" for reason, count in why.most_common()
    )


def load(client: httpx.Client) -> str:
    today = clock_today()
    rng = random.Random(SEED)
    _team(client, rng, today)
    # intake's demo requests arrive over NATS: wait until they are in.
    expected = sum(v.wish == "ja" for v in visits(today))
    requests = _wait(
        client, f"{API}/verzoeken", lambda b: len(b) >= expected, WAIT_SECONDS * demo_scale()
    )
    held = _history(client, requests, today)
    started = client.post(f"{API}/planningen", json={"time_limit_seconds": PLANNER_SECONDS})
    started.raise_for_status()
    run = _wait(
        client,
        f"{API}/planningen/{started.json()['id']}",
        lambda b: b["status"] != "bezig",
        WAIT_SECONDS,
    )
    proposed = client.post(f"{API}/planningen/{started.json()['id']}/overname").json()
    confirmed = proposed[: len(proposed) // 2]
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda s: client.post(f"{API}/sessies/{s['id']}/bevestiging",
                                            params={"version": 1}).raise_for_status(),
                      confirmed))  # fmt: skip
    return (
        f"{len(TEAM)} teamleden, {held} gehouden sessies vastgelegd, "
        f"{len(requests) - held} open verzoeken, {len(proposed)} sessies voorgesteld "
        f"({len(confirmed)} bevestigd; {planner_outcome(run, len(proposed))})"
    )
