"""Aftercare matching: one proposal among many peers, and an optimal batch assignment.

(a) ``propose`` for one request among ``PEERS`` peers, for ``PROPOSALS`` different requests:
    p50/p95/max latency (target p95 < 50 ms).
(b) ``assign_batch`` of ``BATCH_REQUESTS`` waiting requests to ``BATCH_PEERS`` peers with
    capacities 1-4, part of it already taken, so places are scarce (target < 2 s), compared
    with a greedy baseline in the same run: requests one by one, longest waiting first, each
    taking the best candidate of ``propose``. Both plans are valued by
    :func:`aftercare.domain.assignment.batch_value` (more assigned first, then more benefit).

Peers and requests are synthetic but shaped like the OT's: mostly former raadsleden and
wethouders, about half women, online intimidation the most common incident, a third of the
requesters asking for a woman or for the same background. Fixed seed, so runs compare.
"""

from __future__ import annotations

import random
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from aftercare.domain.assignment import BatchValue, assign_batch, batch_value
from aftercare.domain.matching import MatchRequest, PeerProfile, propose
from aftercare.domain.vocabulary import (
    Gender,
    GenderWish,
    IncidentCategory,
    PeerBackground,
    RequesterRole,
)

SEED = 20250425
PEERS = 1000
PROPOSALS = 200
BATCH_REQUESTS = 500
BATCH_PEERS = 200
BATCH_REPEATS = 3
GOAL_PROPOSAL_P95_MS = 50.0
GOAL_BATCH_SECONDS = 2.0
NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)

# The twelve provinces, weighted roughly by their number of gemeenten.
PROVINCES = {
    "PV20": 10, "PV21": 18, "PV22": 12, "PV23": 25, "PV24": 6, "PV25": 51,
    "PV26": 26, "PV27": 44, "PV28": 50, "PV29": 13, "PV30": 56, "PV31": 31,
}  # fmt: skip
BACKGROUNDS = {
    PeerBackground.OUD_RAADSLID: 40, PeerBackground.OUD_WETHOUDER: 25,
    PeerBackground.OUD_BURGEMEESTER: 15, PeerBackground.OUD_STATENLID: 8,
    PeerBackground.OUD_GEDEPUTEERDE: 5, PeerBackground.ANDERS: 7,
}  # fmt: skip
ROLES = {
    RequesterRole.RAADSLID: 50, RequesterRole.WETHOUDER: 20, RequesterRole.BURGEMEESTER: 10,
    RequesterRole.STATENLID: 8, RequesterRole.GEDEPUTEERDE: 4,
    RequesterRole.COMMISSARIS_VAN_DE_KONING: 1, RequesterRole.GRIFFIER_AMBTENAAR: 5,
    RequesterRole.ANDERS: 2,
}  # fmt: skip
PROVINCIAL_ROLES = {
    RequesterRole.STATENLID,
    RequesterRole.GEDEPUTEERDE,
    RequesterRole.COMMISSARIS_VAN_DE_KONING,
}
OTHER_CATEGORIES = [c for c in IncidentCategory if c is not IncidentCategory.ONLINE_INTIMIDATIE]


def _pick(rng: random.Random, weighted: dict[Any, int]) -> Any:
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


def _gemeenten(rng: random.Random) -> dict[str, list[str]]:
    """342 made-up GM codes spread over the provinces by their weights."""
    codes = iter(f"GM{n:04d}" for n in rng.sample(range(1, 2000), sum(PROVINCES.values())))
    return {pv: [next(codes) for _ in range(count)] for pv, count in PROVINCES.items()}


def _categories(rng: random.Random, online_share: float, extra: int) -> frozenset[IncidentCategory]:
    chosen = set(rng.sample(OTHER_CATEGORIES, rng.randint(0, extra)))
    if rng.random() < online_share or not chosen:
        chosen.add(IncidentCategory.ONLINE_INTIMIDATIE)
    return frozenset(chosen)


def make_peers(
    rng: random.Random, count: int, gemeenten: dict[str, list[str]]
) -> list[PeerProfile]:
    peers = []
    for n in range(count):
        home = _pick(rng, PROVINCES)
        background = _pick(rng, BACKGROUNDS)
        organisations = set(rng.sample(gemeenten[home], rng.randint(1, 2)))
        if background in (PeerBackground.OUD_STATENLID, PeerBackground.OUD_GEDEPUTEERDE):
            organisations.add(home)
        capacity = rng.randint(1, 4)
        languages = {"nl"} | ({"en"} if rng.random() < 0.3 else set())
        last = NOW - timedelta(days=rng.uniform(1, 120)) if rng.random() < 0.8 else None
        conflicts = rng.sample(gemeenten[_pick(rng, PROVINCES)], 1) if rng.random() < 0.15 else []
        peers.append(
            PeerProfile(
                peer_id=f"peer-{n:04d}",
                background=background,
                gender=rng.choices(list(Gender), weights=[48, 50, 2])[0],
                capacity=capacity,
                active_cases=min(capacity, int(rng.expovariate(1.2))),
                available=rng.random() < 0.9,
                organisation_codes=frozenset(organisations),
                conflict_codes=frozenset(conflicts),
                regions=frozenset({home, *rng.sample(list(PROVINCES), rng.randint(0, 2))}),
                expertise=_categories(rng, online_share=0.5, extra=3),
                languages=frozenset(languages),
                last_assigned_at=last,
            )
        )
    return peers


def make_requests(
    rng: random.Random, count: int, gemeenten: dict[str, list[str]], peers: list[PeerProfile]
) -> list[MatchRequest]:
    requests = []
    for n in range(count):
        province = _pick(rng, PROVINCES)
        role = _pick(rng, ROLES)
        organisation = province if role in PROVINCIAL_ROLES else rng.choice(gemeenten[province])
        declined = {rng.choice(peers).peer_id} if rng.random() < 0.1 else set()
        requests.append(
            MatchRequest(
                case_id=f"case-{n:04d}",
                role=role,
                incident_categories=_categories(rng, online_share=0.6, extra=2),
                requested_at=NOW - timedelta(days=rng.uniform(0, 21)),
                organisation_code=organisation,
                province_code=province,
                gender_wish=rng.choices(list(GenderWish), weights=[67, 30, 3])[0],
                wants_same_background=rng.random() < 0.35,
                language="en" if rng.random() < 0.05 else "nl",
                declined_by=frozenset(declined),
            )
        )
    return requests


def greedy(requests: list[MatchRequest], peers: list[PeerProfile]) -> dict[str, str | None]:
    """Baseline: longest waiting first, each takes the best candidate of ``propose`` now."""
    current = {peer.peer_id: peer for peer in peers}
    chosen: dict[str, str | None] = {}
    for request in sorted(requests, key=lambda r: r.requested_at):
        best = propose(request, list(current.values())).best
        chosen[request.case_id] = best.peer_id if best else None
        if best:
            peer = current[best.peer_id]
            current[best.peer_id] = replace(peer, active_cases=peer.active_cases + 1)
    return chosen


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _waiting_days(requests: list[MatchRequest], plan: dict[str, str | None]) -> float:
    days = [(NOW - r.requested_at) / timedelta(days=1) for r in requests if plan[r.case_id] is None]
    return statistics.mean(days) if days else 0.0


def _timed(function: Any, *args: Any) -> tuple[float, Any]:
    clock = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - clock, result


def bench_proposals(rng: random.Random, gemeenten: dict[str, list[str]]) -> dict[str, Any]:
    peers = make_peers(rng, PEERS, gemeenten)
    requests = make_requests(rng, PROPOSALS, gemeenten, peers)
    propose(requests[0], peers)  # warm up
    timings = [_timed(propose, request, peers)[0] * 1000 for request in requests]
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(_percentile(timings, 0.95), 2),
        "max_ms": round(max(timings), 2),
    }


def bench_batch(rng: random.Random, gemeenten: dict[str, list[str]]) -> dict[str, Any]:
    peers = make_peers(rng, BATCH_PEERS, gemeenten)
    requests = make_requests(rng, BATCH_REQUESTS, gemeenten, peers)
    places = sum(max(p.capacity - p.active_cases, 0) for p in peers if p.available)
    runs = [_timed(assign_batch, requests, peers) for _ in range(BATCH_REPEATS)]
    optimal_seconds, optimal = min(runs, key=lambda run: run[0])
    greedy_seconds, baseline = _timed(greedy, requests, peers)
    result: dict[str, Any] = {"free_places_of_available_peers": places}
    for name, seconds, plan in (
        ("optimal", optimal_seconds, optimal),
        ("greedy", greedy_seconds, baseline),
    ):
        value: BatchValue = batch_value(requests, peers, plan)
        result[name] = {
            "seconds": round(seconds, 3),
            "assigned": value.assigned,
            "benefit": round(value.benefit, 1),
            "match_points": round(value.match, 1),
            "mean_days_waited_by_unassigned": round(_waiting_days(requests, plan), 1),
        }
    return result


async def run() -> dict[str, Any]:
    rng = random.Random(SEED)
    gemeenten = _gemeenten(rng)
    proposals = bench_proposals(rng, gemeenten)
    batch = bench_batch(rng, gemeenten)
    best, base = batch["optimal"], batch["greedy"]
    better = (best["assigned"], best["benefit"]) >= (base["assigned"], base["benefit"])
    goals = [
        {
            "name": f"proposal p95, 1 request x {PEERS} peers",
            "target": f"< {GOAL_PROPOSAL_P95_MS:g} ms",
            "measured": f"{proposals['p95_ms']} ms",
            "met": proposals["p95_ms"] < GOAL_PROPOSAL_P95_MS,
        },
        {
            "name": f"optimal batch, {BATCH_REQUESTS} requests x {BATCH_PEERS} peers",
            "target": f"< {GOAL_BATCH_SECONDS:g} s",
            "measured": f"{best['seconds']} s",
            "met": best["seconds"] < GOAL_BATCH_SECONDS,
        },
        {
            "name": "optimal batch value vs greedy (assigned, benefit)",
            "target": ">= greedy",
            "measured": f"({best['assigned']}, {best['benefit']}) vs "
            f"({base['assigned']}, {base['benefit']})",
            "met": better,
        },
    ]
    summary = [
        f"proposal among {PEERS} peers, {PROPOSALS} requests: p50 {proposals['p50_ms']} ms, "
        f"p95 {proposals['p95_ms']} ms, max {proposals['max_ms']} ms",
        f"batch: {BATCH_REQUESTS} requests, {BATCH_PEERS} peers with "
        f"{batch['free_places_of_available_peers']} free places (available peers)",
    ]
    for name in ("optimal", "greedy"):
        plan = batch[name]
        summary.append(
            f"  {name:<7} {plan['seconds']:.3f} s: {plan['assigned']} assigned, benefit "
            f"{plan['benefit']} (match points {plan['match_points']}), unassigned waited "
            f"{plan['mean_days_waited_by_unassigned']} days on average"
        )
    return {
        "settings": {
            "seed": SEED,
            "peers": PEERS,
            "proposals": PROPOSALS,
            "batch_requests": BATCH_REQUESTS,
            "batch_peers": BATCH_PEERS,
            "batch_repeats": BATCH_REPEATS,
        },
        "proposals": proposals,
        "batch": batch,
        "goals": goals,
        "summary": summary,
    }
