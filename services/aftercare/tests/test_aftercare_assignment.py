"""Batch assignment: optimal against brute force, capacities, waiting priority, load spreading."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from datetime import timedelta

import pytest
from aftercare.domain.assignment import BatchValue, assign_batch, batch_value
from aftercare.domain.matching import (
    DEFAULT_WEIGHTS,
    MatchWeights,
    is_eligible,
    load_points,
    match_points,
)
from aftercare.domain.vocabulary import (
    Gender,
    GenderWish,
    IncidentCategory,
    PeerBackground,
    RequesterRole,
)
from aftercare_support import T0, peer, request

ONLINE = IncidentCategory.ONLINE_INTIMIDATIE
ORGANISATIONS = ["GM0014", "GM0034", "GM0037", "GM0047", "GM0050", "GM0059"]
PROVINCES = ["PV20", "PV21"]


def random_peer(rng: random.Random, n: int):
    capacity = rng.randint(1, 2)
    return peer(
        f"peer-{n}",
        background=rng.choice(list(PeerBackground)),
        gender=rng.choice([Gender.VROUW, Gender.MAN]),
        capacity=capacity,
        active_cases=rng.choice([0, 0, 0, capacity - 1, capacity]),
        available=rng.random() < 0.95,
        organisation_codes=frozenset(rng.sample(ORGANISATIONS, rng.randint(0, 1))),
        conflict_codes=frozenset(rng.sample(ORGANISATIONS, rng.randint(0, 1))),
        regions=frozenset(rng.sample(PROVINCES, rng.randint(0, 2))),
        expertise=frozenset(rng.sample(list(IncidentCategory), rng.randint(0, 3))),
        languages=frozenset(rng.sample(["nl", "en"], rng.randint(1, 2))),
    )


def random_request(rng: random.Random, n: int, peer_ids: list[str]):
    return request(
        f"case-{n}",
        role=rng.choice(list(RequesterRole)),
        incident_categories=frozenset(rng.sample(list(IncidentCategory), rng.randint(1, 3))),
        requested_at=T0 - timedelta(hours=rng.uniform(0, 96)),
        organisation_code=rng.choice(ORGANISATIONS),
        province_code=rng.choice(PROVINCES),
        gender_wish=rng.choices(list(GenderWish), weights=[6, 3, 1])[0],
        wants_same_background=rng.random() < 0.5,
        language=rng.choice(["nl", "nl", "en"]),
        declined_by=frozenset(rng.sample(peer_ids, int(rng.random() < 0.2))),
    )


def brute_force(requests, peers, weights) -> tuple[BatchValue, dict[str, str | None]]:
    """Every feasible plan, valued independently of the solver: most assigned, then most
    benefit (waiting priority + match points + load points of the k-th new case)."""
    youngest = max(r.requested_at for r in requests)
    priority = [
        weights.waiting_per_day * (youngest - r.requested_at) / timedelta(days=1) for r in requests
    ]
    best: tuple[int, float] = (-1, 0.0)
    best_plan: dict[str, str | None] = {}
    for choice in itertools.product([None, *peers], repeat=len(requests)):
        given: Counter[str] = Counter()
        value = 0.0
        for req, chosen, prio in zip(requests, choice, priority, strict=True):
            if chosen is None:
                continue
            extra = given[chosen.peer_id]
            if not is_eligible(req, chosen) or chosen.active_cases + extra >= chosen.capacity:
                break
            given[chosen.peer_id] += 1
            value += prio + match_points(req, chosen, weights) + load_points(chosen, weights, extra)
        else:
            if (sum(given.values()), value) > best:
                best = (sum(given.values()), value)
                best_plan = {
                    r.case_id: c.peer_id if c else None
                    for r, c in zip(requests, choice, strict=True)
                }
    return BatchValue(best[0], best[1], 0.0), best_plan


@pytest.mark.parametrize("seed", range(8))
def test_batch_is_as_good_as_brute_force(seed):
    rng = random.Random(seed)
    for _ in range(40):
        peers = [random_peer(rng, n) for n in range(rng.randint(2, 4))]
        requests = [
            random_request(rng, n, [p.peer_id for p in peers]) for n in range(rng.randint(2, 5))
        ]
        weights = rng.choice([DEFAULT_WEIGHTS, MatchWeights(waiting_per_day=0.5, load=3.0)])
        expected, expected_plan = brute_force(requests, peers, weights)
        plan = assign_batch(requests, peers, weights)
        assert set(plan) == {r.case_id for r in requests}
        value = batch_value(requests, peers, plan, weights)
        assert value.assigned == expected.assigned
        assert value.benefit == pytest.approx(expected.benefit, abs=1e-9)
        assert batch_value(requests, peers, expected_plan, weights).benefit == pytest.approx(
            expected.benefit, abs=1e-9
        )


def test_whoever_waited_longest_wins_a_scarce_place():
    only = peer(
        "only",
        capacity=1,
        background=PeerBackground.OUD_WETHOUDER,
        regions=frozenset({"PV21"}),
        expertise=frozenset({ONLINE}),
    )
    older = request("older", requested_at=T0 - timedelta(days=1))
    younger = request(
        "younger",
        role=RequesterRole.WETHOUDER,
        wants_same_background=True,
        incident_categories=frozenset({ONLINE}),
        province_code="PV21",
    )
    assert assign_batch([younger, older], [only]) == {"older": "only", "younger": None}
    # Without the waiting priority, the better match would have won:
    no_priority = MatchWeights(waiting_per_day=0)
    assert assign_batch([younger, older], [only], no_priority) == {"older": None, "younger": "only"}


def test_as_many_requests_as_possible_are_assigned():
    # "picky" fits "star" much better, but only "star" can take "wants-woman"'s case.
    star = peer("star", gender=Gender.VROUW, capacity=1, expertise=frozenset({ONLINE}))
    other = peer("other", capacity=1)
    picky = request("picky", incident_categories=frozenset({ONLINE}))
    wants_woman = request("wants-woman", gender_wish=GenderWish.VROUW)
    assert assign_batch([picky, wants_woman], [star, other]) == {
        "picky": "other",
        "wants-woman": "star",
    }


def test_work_spreads_over_peers():
    peers = [peer("a", capacity=2), peer("b", capacity=2)]
    plan = assign_batch([request("one"), request("two")], peers)
    assert sorted(plan.values()) == ["a", "b"]


def test_capacities_are_respected():
    peers = [peer("a", capacity=3, active_cases=1), peer("b", capacity=1)]
    plan = assign_batch([request(f"case-{n}") for n in range(5)], peers)
    assert Counter(plan.values()) == {"a": 2, "b": 1, None: 2}


def test_a_request_without_an_eligible_peer_stays_unassigned():
    plan = assign_batch(
        [request("wants-woman", gender_wish=GenderWish.VROUW), request("any")], [peer("man")]
    )
    assert plan == {"wants-woman": None, "any": "man"}


def test_edge_cases():
    assert assign_batch([], [peer()]) == {}
    assert assign_batch([request()], []) == {"case-1": None}
    assert batch_value([], [], {}) == BatchValue(0, 0.0, 0.0)
    with pytest.raises(ValueError, match="unique"):
        assign_batch([request("same"), request("same")], [peer()])


def test_batch_value_refuses_an_infeasible_plan():
    with pytest.raises(ValueError, match="cannot take"):
        batch_value([request("a"), request("b")], [peer("p", capacity=1)], {"a": "p", "b": "p"})
    with pytest.raises(ValueError, match="cannot take"):
        batch_value([request("a")], [peer("p", available=False)], {"a": "p"})
