"""Secondary suppression for a set of linked sums ("this total is the sum of those cells").

Only :mod:`reporting.domain.disclosure` uses this; it states the rule, this is the mechanism.

The attacker we defend against knows which cells are hidden, that every ``total = sum(parts)``
holds, that counts are whole numbers, that a cell shown as "<5" lies in ``0..threshold-1`` and
that any other hidden cell is at least ``threshold`` (else it would have been shown as "<5").
A hidden cell is safe when those facts still allow it at least two values.

Why a graph: every table we publish (a series with its total, a cross table with margins, a
province with its gemeenten) has each cell in one or two sums. Make every sum a node and every
cell an edge between its two sums (a cell in one sum only goes to a shared free node, which
has no sum to keep). After giving each sum a sign, changing hidden cells without changing any
published number is exactly a circulation on those edges, so a hidden cell can take another
value if and only if it lies on a directed cycle of hidden cells that may each move in the
cycle's direction (a cell at the edge of its range may move one way only). Finding the
cheapest such cycle through an exposed cell is a shortest-path problem, which gives the
secondary suppression: the cells on it, chosen by least total value so that as little as
possible is lost.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SumConstraint:
    """``values[total] == sum(values[part] for part in parts)``, cells by their index."""

    total: int
    parts: tuple[int, ...]


Arc = tuple[int, int, int]  # (tail node, head node, cell)
Cost = tuple[int, int]  # (sum of newly hidden values, number of newly hidden cells)


class UnprotectableCell(Exception):
    """Even hiding every cell leaves this small cell with one possible value.

    Rare, and caused by the bounds alone: in ``[[1, 1, 1, 1], [4, 4, 4, 4]]`` with threshold 5
    every column total is a hidden 5 (so at least 5), the first row's total is "<5" (so at most
    4) and each cell is "<5": each column then needs at least 1 from the first row, whose four
    cells can only be 1 each. No choice of hidden cells helps; only a coarser table does.
    """

    def __init__(self, cell: int) -> None:
        super().__init__(cell)
        self.cell = cell


def protect(
    values: Sequence[int], constraints: Sequence[SumConstraint], threshold: int
) -> tuple[frozenset[int], frozenset[int]]:
    """The cells to hide: ``(primary, secondary)``.

    Primary: every value below ``threshold``. Secondary: extra cells such that no primary
    cell can be pinned to one value from the published ones. Deterministic: primary cells
    are handled in index order, and among equally cheap cycles the first found wins.
    """
    primary = frozenset(cell for cell, value in enumerate(values) if value < threshold)
    graph = _Graph(values, constraints, primary, threshold)
    hidden = set(primary)
    for cell in sorted(primary):
        hidden.update(graph.cheapest_cycle(cell, hidden))
    return primary, frozenset(hidden - primary)


class _Graph:
    """Sums as nodes, cells as edges, oriented by how each cell may move."""

    def __init__(
        self,
        values: Sequence[int],
        constraints: Sequence[SumConstraint],
        primary: frozenset[int],
        threshold: int,
    ) -> None:
        self.values = values
        self.free = len(constraints)
        memberships: list[list[tuple[int, int]]] = [[] for _ in values]
        for node, constraint in enumerate(constraints):
            memberships[constraint.total].append((node, -1))
            for part in constraint.parts:
                memberships[part].append((node, 1))
        signs = _signs(memberships, self.free)
        self.arcs: dict[int, list[Arc]] = {}
        self.outgoing: list[list[Arc]] = [[] for _ in range(self.free + 1)]
        for cell, member in enumerate(memberships):
            (node, coefficient), *rest = member
            other = rest[0][0] if rest else self.free
            up = (node, other) if signs[node] * coefficient > 0 else (other, node)
            low, high = (0, threshold - 1) if cell in primary else (threshold, None)
            moves = []
            if high is None or values[cell] < high:
                moves.append((up[0], up[1], cell))
            if values[cell] > low:
                moves.append((up[1], up[0], cell))
            self.arcs[cell] = moves
            for arc in moves:
                self.outgoing[arc[0]].append(arc)

    def cheapest_cycle(self, cell: int, hidden: set[int]) -> list[int]:
        """The not yet hidden cells that close the cheapest movable cycle through ``cell``.

        Empty when ``cell`` already lies on such a cycle of hidden cells.
        """
        best: tuple[Cost, list[int]] | None = None
        for tail, head, _ in self.arcs[cell]:
            found = self._shortest_path(head, tail, cell, hidden)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        if best is None:
            raise UnprotectableCell(cell)
        return best[1]

    def _shortest_path(
        self, start: int, goal: int, excluded: int, hidden: set[int]
    ) -> tuple[Cost, list[int]] | None:
        """Dijkstra from ``start`` to ``goal``; hidden cells are free, others cost their value."""
        costs: dict[int, Cost] = {start: (0, 0)}
        came_by: dict[int, tuple[int, int]] = {}
        queue: list[tuple[Cost, int]] = [((0, 0), start)]
        done: set[int] = set()
        while queue:
            cost, node = heapq.heappop(queue)
            if node in done:
                continue
            if node == goal:
                new_cells = []
                while node != start:
                    node, cell = came_by[node]
                    if cell not in hidden:
                        new_cells.append(cell)
                return cost, sorted(new_cells)
            done.add(node)
            for _, head, cell in self.outgoing[node]:
                if cell == excluded:
                    continue
                step = (0, 0) if cell in hidden else (self.values[cell], 1)
                candidate = (cost[0] + step[0], cost[1] + step[1])
                if head not in costs or candidate < costs[head]:
                    costs[head] = candidate
                    came_by[head] = (node, cell)
                    heapq.heappush(queue, (candidate, head))
        return None


def _signs(memberships: Sequence[Sequence[tuple[int, int]]], free: int) -> list[int]:
    """A sign per sum such that each shared cell enters its two sums with opposite signs.

    That is what lets a cell be a directed edge. It exists for every table shape we build;
    a set of sums without it (an odd cycle of sums) is refused.
    """
    neighbours: list[list[tuple[int, int]]] = [[] for _ in range(free)]
    for member in memberships:
        if not 1 <= len(member) <= 2:
            raise ValueError("every cell must be in one or two sums")
        if len(member) == 2:
            (a, coefficient_a), (b, coefficient_b) = member
            relation = -coefficient_a * coefficient_b
            neighbours[a].append((b, relation))
            neighbours[b].append((a, relation))
    signs = [0] * free
    for root in range(free):
        if signs[root]:
            continue
        signs[root] = 1
        stack = [root]
        while stack:
            node = stack.pop()
            for other, relation in neighbours[node]:
                wanted = signs[node] * relation
                if not signs[other]:
                    signs[other] = wanted
                    stack.append(other)
                elif signs[other] != wanted:
                    raise ValueError("these sums do not form a table")
    return signs
