"""The plan in a coordinator's figures: km, evenings, planned / not planned, unmet wishes,
changes against the previous plan (pure domain, no database)."""

from __future__ import annotations

from scheduling.domain.diagnosis import UnplannedReason
from scheduling.domain.planner import plan
from scheduling.domain.summary import ChangeKind, WishKind
from scheduling_support import WEDNESDAY, hand_made_plan, two_regions


def test_a_hand_made_plan_in_figures() -> None:
    instance, costs, result = hand_made_plan()
    summary = result.summary

    assert (summary.requests, summary.planned, summary.unplanned) == (4, 3, 1)
    assert summary.unplanned_by_reason == {UnplannedReason.PERIOD_PASSED: 1}
    figures = {m.member_id: m for m in summary.members}
    assert {k: (m.planned, m.confirmed, m.evenings) for k, m in figures.items()} == {
        "A": (1, 0, 1), "B": (3, 0, 3), "C": (1, 0, 1), "D": (1, 1, 2),
    }  # fmt: skip
    utrecht, zeist, groningen = (
        instance.requests_by_id[r] for r in ("utrecht", "zeist", "groningen")
    )
    member = instance.members_by_id
    assert figures["B"].km == sum(costs.km(member["B"], r) for r in (utrecht, zeist, groningen))
    assert figures["D"].km == costs.km(member["D"], zeist) > 150  # Maastricht to Zeist
    assert summary.km_total == sum(m.km for m in summary.members)
    assert (summary.evenings_min, summary.evenings_max) == (1, 3)

    assert {(w.request_id, w.kind, w.member_name) for w in summary.unmet_wishes} == {
        ("zeist", WishKind.WOMAN_IN_TEAM, None),
        ("zeist", WishKind.BURGEMEESTER_EXPERIENCE, None),
        ("utrecht", WishKind.PREFERRED_WEEKDAY, "A"),  # A prefers Tuesdays, goes on Monday
    }

    changes = {c.request_id: c for c in summary.changes}
    assert set(changes) == {"zeist", "groningen", "assen"} and summary.unchanged == 1
    assert (changes["zeist"].kind, changes["zeist"].on, changes["zeist"].replaced) == (
        ChangeKind.MOVED, WEDNESDAY, ("A",),
    )  # fmt: skip
    assert (changes["groningen"].kind, changes["groningen"].replaced) == (
        ChangeKind.TEAM_CHANGED, ("D",),
    )  # fmt: skip
    assert (changes["assen"].kind, changes["assen"].on) == (ChangeKind.DROPPED, None)
    assert summary.new == 0
    assert summary.weights == instance.settings.weights


def test_a_solved_plan_carries_its_figures_and_they_agree_with_its_score() -> None:
    instance = two_regions()
    result = plan(instance)
    summary = result.summary
    assert summary.planned == len(result.sessions) == 3 and summary.unplanned == 0
    assert summary.new == 3 and summary.changes == () and summary.unmet_wishes == ()
    assert summary.km_total == result.score.components[0].raw  # the travel component
    loads = sorted(m.evenings for m in summary.members)
    assert sum(loads) == 6 and (summary.evenings_min, summary.evenings_max) == (loads[0], loads[-1])
