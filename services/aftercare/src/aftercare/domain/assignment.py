"""Assigning all waiting requests at once: an optimal assignment that respects capacities.

Matching one request at a time (:func:`aftercare.domain.matching.propose`) is greedy: the
first request takes the peer that a later one needed most. When a coordinator clears the
queue, :func:`assign_batch` instead solves one assignment problem over every waiting
request. Its objective, in order of precedence:

1. *Assign as many requests as possible.* Leaving a request unassigned costs ``M`` (a dummy
   column per request), and ``M = 1 + n * largest benefit`` exceeds anything the other
   ``n - 1`` requests could gain together by leaving it out. So a request stays unassigned
   only when places run out: no plan assigns more requests.
2. *Maximise the total benefit* of the assigned pairs, where the benefit of giving request
   ``i`` the ``k``-th new case of peer ``j`` is::

       waiting_per_day * days_waited_longer_i + match_points(i, j) + load_points(j, extra=k)

   ``days_waited_longer_i`` counts from the youngest request in the batch: the number of
   assigned requests is fixed by (1), so only differences in waiting matter and no clock is
   needed. With the default weights a day of waiting (10 points) outweighs the largest score
   difference of a typical request, so when places are scarce the request that waited
   longest wins; within a day, the better match may.

Capacity: a peer with ``r`` free places becomes ``r`` columns (slots). Slot ``k`` carries
the load points the peer would have with ``k`` more cases, which fall with ``k``: the solver
fills slots in order, and every further case for the same peer is worth less, so work
spreads over peers as if the cases had been proposed one after the other. Disqualified pairs
cost infinity (forbidden). :func:`scipy.optimize.linear_sum_assignment` solves the
rectangular matrix (requests x (slots + dummies)).

Ties between equally good plans are broken by the solver, not by ``last_assigned_at``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from aftercare.domain.matching import (
    DEFAULT_WEIGHTS,
    MatchRequest,
    MatchWeights,
    PeerProfile,
    is_eligible,
    load_points,
    match_points,
)

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True, order=True)
class BatchValue:
    """How good a batch assignment is: more assigned first, then more benefit (see module)."""

    assigned: int
    benefit: float
    match: float = field(compare=False)
    """The part of ``benefit`` that is match and load points (the rest is waiting priority)."""


def _waiting_priorities(requests: Sequence[MatchRequest], weights: MatchWeights) -> np.ndarray:
    youngest = max(r.requested_at for r in requests)
    return np.array(
        [weights.waiting_per_day * ((youngest - r.requested_at) / _DAY) for r in requests]
    )


def assign_batch(
    requests: Sequence[MatchRequest],
    peers: Sequence[PeerProfile],
    weights: MatchWeights = DEFAULT_WEIGHTS,
) -> dict[str, str | None]:
    """The optimal peer (or ``None``) per case id, for all ``requests`` together."""
    if len({r.case_id for r in requests}) != len(requests):
        raise ValueError("case ids in a batch must be unique")
    if not requests:
        return {}
    open_peers = [peer for peer in peers if peer.active_cases < peer.capacity]
    slots = [
        (j, extra)
        for j, peer in enumerate(open_peers)
        for extra in range(peer.capacity - peer.active_cases)
    ]
    slot_peer = [j for j, _ in slots]
    slot_load = np.array([load_points(open_peers[j], weights, extra) for j, extra in slots])
    points = np.array(
        [
            [
                match_points(request, peer, weights) if is_eligible(request, peer) else -np.inf
                for peer in open_peers
            ]
            for request in requests
        ]
    )
    benefit = (
        _waiting_priorities(requests, weights)[:, None] + points[:, slot_peer] + slot_load[None, :]
    )
    feasible = np.isfinite(benefit)
    largest = float(benefit[feasible].max()) if feasible.any() else 0.0
    unassigned = np.full((len(requests), len(requests)), 1 + len(requests) * largest)
    # Imported here, not at the top: only a batch assignment needs it, and every process start
    # (and every rolling restart) would pay for loading it (tests/test_import_cost.py).
    from scipy.optimize import linear_sum_assignment

    rows, columns = linear_sum_assignment(np.hstack([-benefit, unassigned]))
    return {
        requests[row].case_id: (
            open_peers[slot_peer[column]].peer_id if column < len(slots) else None
        )
        for row, column in zip(rows, columns, strict=True)
    }


def batch_value(
    requests: Sequence[MatchRequest],
    peers: Sequence[PeerProfile],
    assignment: Mapping[str, str | None],
    weights: MatchWeights = DEFAULT_WEIGHTS,
) -> BatchValue:
    """The value of any feasible ``assignment`` (optimal, greedy or a coordinator's own), by
    the objective :func:`assign_batch` maximises. Raises ``ValueError`` when a pair is
    disqualified or a peer gets more cases than it has places."""
    if not requests:
        return BatchValue(0, 0.0, 0.0)
    by_id = {peer.peer_id: peer for peer in peers}
    given: Counter[str] = Counter()
    benefit = match = 0.0
    for request, priority in zip(requests, _waiting_priorities(requests, weights), strict=True):
        peer_id = assignment.get(request.case_id)
        if peer_id is None:
            continue
        peer = by_id[peer_id]
        extra = given[peer_id]
        if not is_eligible(request, peer) or peer.active_cases + extra >= peer.capacity:
            raise ValueError(f"peer {peer_id} cannot take case {request.case_id}")
        given[peer_id] += 1
        points = match_points(request, peer, weights) + load_points(peer, weights, extra)
        benefit += priority + points
        match += points
    return BatchValue(sum(given.values()), benefit, match)
