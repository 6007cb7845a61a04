"""The exact attacker on hand-made tables with known answers: first shown to break weak
protection, so that its failing on a release means something."""

from __future__ import annotations

import pytest
from reporting.domain.attacker import (
    Inconsistent,
    Interval,
    at_least,
    at_most,
    audit,
    first_unprotected,
    sums_to,
)
from reporting.domain.disclosure import Reason, Suppressed

SMALL = Suppressed(Reason.SMALL_COUNT)
SECRET = Suppressed(Reason.DERIVABLE)
DERIVED = Suppressed(Reason.DERIVED)


def test_a_small_cell_without_a_hidden_sibling_is_recovered():
    cells = {"a": SMALL, "b": 50, "t": 53}
    assert audit(cells, [sums_to("t", ["a", "b"])]) == {"a": Interval(3, 3)}


def test_two_small_siblings_adding_up_to_eight_are_both_four():
    cells = {"a": SMALL, "b": SMALL, "c": 100, "t": 108}
    assert audit(cells, [sums_to("t", ["a", "b", "c"])]) == {
        "a": Interval(4, 4), "b": Interval(4, 4)
    }  # fmt: skip


def test_an_x_is_at_least_five_so_its_small_sibling_is_pinned():
    # 2x2 with margins, one "<5" and one "x" in its row: 12 = a + b with b >= 5 and a <= 4
    # leaves a in 0..4 — but the column total gives a away.
    cells = {"a": SMALL, "b": SECRET, "c": 12, "d": 20, "r1": 13, "r2": 32, "k1": 15, "k2": 30,
             "t": 45}  # fmt: skip
    relations = [
        sums_to("r1", ["a", "b"]),
        sums_to("r2", ["c", "d"]),
        sums_to("k1", ["a", "c"]),
        sums_to("k2", ["b", "d"]),
        sums_to("t", ["r1", "r2"]),
    ]
    assert audit(cells, relations)["a"] == Interval(3, 3)
    # Hiding the second column too gives the cell its freedom back (a, b, c, d on a cycle).
    cells.update({"c": SECRET, "d": SECRET})
    found = audit(cells, relations)
    assert found["a"] == Interval(0, 4) and found["a"].protects(Reason.SMALL_COUNT)


def test_a_small_cell_known_to_be_at_least_one_is_not_protected():
    # 5 = a + b with both "<5": each is at least 1 — that alone says someone is in it.
    cells = {"a": SMALL, "b": SMALL, "t": 5}
    found = audit(cells, [sums_to("t", ["a", "b"])])
    assert found["a"] == Interval(1, 4)
    assert not found["a"].protects(Reason.SMALL_COUNT)
    assert first_unprotected(cells, [sums_to("t", ["a", "b"])]) == "a"


def test_multi_valued_categories_use_at_most_and_at_least():
    # Three requests, each naming at least one of two categories; "online" is 3 of them.
    cells = {"online": 3, "threat": SMALL, "requests": 3}
    relations = [at_most("online", "requests"), at_most("threat", "requests"),
                 at_least(["online", "threat"], "requests")]  # fmt: skip
    assert audit(cells, relations)["threat"] == Interval(0, 3)


def test_an_unbounded_cell_has_no_upper_bound_and_derived_cells_any_value():
    cells = {"a": SECRET, "b": DERIVED}
    assert audit(cells, []) == {"a": Interval(5, None), "b": Interval(0, None)}
    assert Interval(5, None).render() == "5..∞"


def test_published_cells_that_contradict_their_relations_are_refused():
    with pytest.raises(Inconsistent):
        audit({"a": SMALL, "b": 10, "t": 3}, [sums_to("t", ["a", "b"])])


def test_only_cells_linked_to_the_given_ones_are_attacked():
    # Two separate tables: one is unsafe, but asked about the other, the attacker says nothing.
    cells = {"a": SMALL, "b": 50, "t": 53, "x": SMALL, "y": SECRET, "u": SECRET}
    relations = [sums_to("t", ["a", "b"]), sums_to("u", ["x", "y"])]
    assert first_unprotected(cells, relations, around=["x"]) is None
    assert first_unprotected(cells, relations, around=["t"]) == "a"
