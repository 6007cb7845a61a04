"""The exact attacker: what can anyone work out from everything we published?

Statistics offices check a suppression pattern by attacking it ("exact linear audit", as in
τ-ARGUS): for every hidden cell, find the smallest and the largest value consistent with all
that was published. This module is that attacker, and the release job
(:mod:`reporting.domain.release`) publishes nothing it has not survived.

What the attacker knows:

* every published value;
* every relation between cells (:class:`Relation`): a total is the sum of its rows, a request
  named under an incident category is one of the quarter's requests, every request names at
  least one category, ...;
* what each marker means: "<5" is 0..4 (:attr:`Reason.SMALL_COUNT`), "x" hiding a cell to
  protect another is at least 5 (:attr:`Reason.DERIVABLE`: else it would be "<5"), "x" for a
  figure computed from hidden ones is any count (:attr:`Reason.DERIVED`);
* that counts are whole numbers (so it solves integer programs, not only linear ones).

A hidden cell is **protected** when its interval has at least two values and, for a "<5", its
smallest possible value is 0: otherwise the attacker knows the cell exactly, or knows that at
least one person is in it — for aftercare, that someone of that role asked for help.

HiGHS (``highspy``) solves each bound, as a linear program first and as an
integer one only when the linear optimum is fractional; cells are only solved together with
the cells they are linked to (a connected component of the relations), so an audit of many
releases stays a series of small problems.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

# The bare binding: highspy's ``Highs`` subclass registers Python callbacks when it is made,
# which logs HiGHS's banner before its output can be switched off and calls into Python
# during every solve.
from highspy._core import HighsModelStatus, HighsVarType, _Highs

from reporting.domain.disclosure import Cell, Reason, Suppressed


class Sense(StrEnum):
    EQUAL = "="
    AT_MOST = "<="
    AT_LEAST = ">="


@dataclass(frozen=True, slots=True)
class Relation:
    """``sum(coefficient × cell) <sense> 0`` over the cells named by their keys."""

    terms: tuple[tuple[str, int], ...]
    sense: Sense


def sums_to(total: str, parts: Iterable[str]) -> Relation:
    """``total == sum(parts)``."""
    return Relation(((total, 1), *((part, -1) for part in parts)), Sense.EQUAL)


def at_most(part: str, whole: str) -> Relation:
    """``part <= whole`` (e.g. requests about online intimidation ≤ all requests)."""
    return Relation(((part, 1), (whole, -1)), Sense.AT_MOST)


def at_least(parts: Iterable[str], whole: str) -> Relation:
    """``sum(parts) >= whole`` (e.g. every request names at least one incident category)."""
    return Relation((*((part, 1) for part in parts), (whole, -1)), Sense.AT_LEAST)


@dataclass(frozen=True, slots=True)
class Interval:
    """The values of a hidden cell consistent with everything published."""

    low: int
    high: int | None  # None: no upper bound

    def protects(self, reason: Reason) -> bool:
        """At least two possible values, and a "<5" possibly 0."""
        wide = self.high is None or self.high > self.low
        return wide and (reason is not Reason.SMALL_COUNT or self.low == 0)

    def render(self) -> str:
        return f"{self.low}..{'∞' if self.high is None else self.high}"


class Inconsistent(ValueError):
    """The published cells contradict their relations (a bug in whoever published them)."""


def bounds_of(marker: Suppressed) -> tuple[int, float]:
    """What a marker tells about the hidden count."""
    if marker.reason is Reason.SMALL_COUNT:
        return 0, marker.threshold - 1
    if marker.reason is Reason.DERIVABLE:
        return marker.threshold, np.inf
    return 0, np.inf


def hidden_cells(cells: Mapping[str, Cell]) -> list[str]:
    return [key for key, cell in cells.items() if isinstance(cell, Suppressed)]


def audit(
    cells: Mapping[str, Cell],
    relations: Sequence[Relation],
    keys: Iterable[str] | None = None,
) -> dict[str, Interval]:
    """The attacker's interval of every hidden cell (or of the hidden ``keys``)."""
    problem = _Problem(cells, relations)
    wanted = hidden_cells(cells) if keys is None else [k for k in keys if k in problem.hidden]
    return {key: problem.interval(key) for key in wanted}


def first_unprotected(
    cells: Mapping[str, Cell],
    relations: Sequence[Relation],
    around: Iterable[str] | None = None,
    truth: Mapping[str, int] | None = None,
    witnesses: Witnesses | None = None,
) -> str | None:
    """The first hidden cell the attacker can pin down, if any.

    With ``around``, only the hidden cells linked (through relations and hidden cells) to
    those cells are attacked: the rest cannot have changed since they were last checked.
    Whoever publishes knows the ``truth`` (a solution the attacker cannot rule out), which
    mostly saves one of the two bounds; ``witnesses`` keeps the solutions found, for the
    next call on a slightly changed table.
    """
    problem = _Problem(cells, relations)
    found: Witnesses = {} if witnesses is None else witnesses
    for key in problem.hidden_near(around) if around is not None else hidden_cells(cells):
        marker = cells[key]
        assert isinstance(marker, Suppressed)
        if truth is None or key not in truth:
            protected = problem.interval(key).protects(marker.reason)
        else:
            protected = problem.protected(key, marker.reason, truth, found)
        if not protected:
            return key
    return None


def neighbours(relations: Sequence[Relation]) -> dict[str, set[str]]:
    """Cells that share a relation, by cell."""
    linked: dict[str, set[str]] = {}
    for relation in relations:
        members = {key for key, _ in relation.terms}
        for key in members:
            linked.setdefault(key, set()).update(members - {key})
    return linked


class _Problem:
    """The published cells and relations, split into connected components of hidden cells."""

    def __init__(self, cells: Mapping[str, Cell], relations: Sequence[Relation]) -> None:
        unknown = {key for relation in relations for key, _ in relation.terms} - set(cells)
        if unknown:
            raise ValueError(
                f"relations name cells that were not published: {sorted(map(str, unknown))}"
            )
        self.cells = cells
        self.hidden = set(hidden_cells(cells))
        self.relations = [r for r in relations if any(k in self.hidden for k, _ in r.terms)]
        self.component: dict[str, int] = {}
        linked = neighbours(self.relations)
        for start in self.hidden:
            if start in self.component:
                continue
            number = len(set(self.component.values()))
            stack = [start]
            self.component[start] = number
            while stack:
                for other in linked.get(stack.pop(), ()):
                    if other in self.hidden and other not in self.component:
                        self.component[other] = number
                        stack.append(other)
        self._models: dict[int, _Component] = {}

    def hidden_near(self, around: Iterable[str]) -> list[str]:
        """The hidden cells in the components of ``around`` (or of their hidden neighbours)."""
        linked = neighbours(self.relations)
        numbers = set()
        for key in around:
            for cell in (key, *linked.get(key, ())):
                if cell in self.component:
                    numbers.add(self.component[cell])
        return [key for key in self.cells if self.component.get(key) in numbers]

    def _model(self, number: int) -> _Component:
        if number not in self._models:
            variables = [k for k in self.cells if self.component.get(k) == number]
            index = {key: i for i, key in enumerate(variables)}
            rows, low, high = [], [], []
            for relation in self.relations:
                if not any(index.get(k) is not None for k, _ in relation.terms):
                    continue
                row = np.zeros(len(variables))
                constant = 0.0
                for key, coefficient in relation.terms:
                    if key in index:
                        row[index[key]] += coefficient
                    else:
                        value = self.cells[key]
                        assert isinstance(value, int)
                        constant += coefficient * value
                rows.append(row)
                low.append(-constant if relation.sense is not Sense.AT_MOST else -np.inf)
                high.append(-constant if relation.sense is not Sense.AT_LEAST else np.inf)
            markers = [self.cells[key] for key in variables]
            ranges = [bounds_of(m) for m in markers if isinstance(m, Suppressed)]
            self._models[number] = _Component(
                variables,
                index,
                np.array(rows).reshape(len(rows), len(variables)),
                np.array(low, dtype=float),
                np.array(high, dtype=float),
                np.array([r[0] for r in ranges], dtype=float),
                np.array([r[1] for r in ranges], dtype=float),
            )
        return self._models[number]

    def interval(self, key: str) -> Interval:
        lowest = self._bound(key, 1.0)
        if lowest is None:
            raise Inconsistent(f"the published cells contradict their relations around {key}")
        return Interval(lowest, self._bound(key, -1.0))

    def protected(
        self, key: str, reason: Reason, truth: Mapping[str, int], witnesses: Witnesses
    ) -> bool:
        """What :meth:`Interval.protects` says, knowing ``truth`` is one solution: a "<5" is
        protected by a solution with 0 in it (or, when it is 0, one above 0), any other
        hidden cell by a solution with another value than the true one. Such a solution
        found before is tried first (``witnesses``): it usually still fits."""
        model = self._model(self.component[key])
        earlier = witnesses.get(key)
        if earlier is not None and model.fits(earlier, truth):
            return True
        true_value = truth[key]
        directions = (
            (-1.0,) if reason is Reason.SMALL_COUNT and true_value == 0
            else (1.0,) if reason is Reason.SMALL_COUNT else (1.0, -1.0)
        )  # fmt: skip
        for direction in directions:
            value, solution = model.solve(key, direction)
            if value is None and direction > 0:
                raise Inconsistent(f"the published cells contradict their relations around {key}")
            proves = value is None or (
                value == 0 if reason is Reason.SMALL_COUNT and true_value > 0
                else value != true_value
            )  # fmt: skip
            if proves:
                if solution is not None:
                    witnesses[key] = dict(zip(model.variables, solution, strict=True))
                return True
        return False

    def _bound(self, key: str, direction: float) -> int | None:
        return self._model(self.component[key]).solve(key, direction)[0]


class _Component:
    """The integer program of one connected component: its hidden cells (``variables``), one
    row per relation (``matrix`` between ``row_low`` and ``row_high``) and each cell's range.

    One HiGHS instance per component holds the program; a bound changes only the objective
    (and the integrality, when the relaxation is fractional), so HiGHS starts from the
    previous optimal basis instead of from scratch."""

    def __init__(
        self, variables: list[str], index: dict[str, int], matrix: np.ndarray,
        row_low: np.ndarray, row_high: np.ndarray, low: np.ndarray, high: np.ndarray,
    ) -> None:  # fmt: skip
        self.variables = variables
        self.index = index
        self.matrix = matrix
        self.row_low, self.row_high = row_low, row_high
        self.low, self.high = low, high
        self._highs: _Highs | None = None

    def fits(self, solution: Mapping[str, int], truth: Mapping[str, int]) -> bool:
        """Whether ``solution`` (completed from ``truth``) is consistent with the problem now."""
        values = [solution.get(v, truth.get(v)) for v in self.variables]
        if any(value is None for value in values):
            return False
        x = np.array(values, dtype=float)
        if np.any(x < self.low) or np.any(x > self.high):
            return False
        product = self.matrix @ x
        return bool(
            np.all(product >= self.row_low - 1e-9) and np.all(product <= self.row_high + 1e-9)
        )

    def solve(self, key: str, direction: float) -> tuple[int | None, list[int] | None]:
        """The least value of ``key`` (``direction`` 1) or the greatest (-1) with a solution
        that has it; None when infeasible (least) or unbounded (greatest)."""
        highs = self._solver()
        column = self.index[key]
        highs.changeColCost(column, direction)
        try:
            # The linear relaxation first: these sums mostly have whole-number corners, and a
            # whole-number optimum of the relaxation is the integer optimum (3-4 times faster).
            x = self._run(highs)
            if x is not None and not np.allclose(x, np.round(x), atol=1e-7):
                x = self._with_integrality(highs, HighsVarType.kInteger)
        finally:
            highs.changeColCost(column, 0.0)
        if x is None:
            return None, None
        return round(x[column]), [round(value) for value in x]

    def _solver(self) -> _Highs:
        if self._highs is None:
            highs = _Highs()
            # Before anything else: HiGHS logs (its banner too) until told not to.
            highs.setOptionValue("output_flag", False)
            count = len(self.variables)
            highs.addVars(count, self.low, self.high)
            rows = _sparse_rows(self.matrix)
            highs.addRows(len(self.row_low), self.row_low, self.row_high, *rows)
            self._highs = highs
        return self._highs

    def _with_integrality(self, highs: _Highs, kind: HighsVarType) -> np.ndarray | None:
        count = len(self.variables)
        columns = np.arange(count, dtype=np.int32)
        highs.changeColsIntegrality(count, columns, np.full(count, kind))
        try:
            return self._run(highs)
        finally:
            continuous = np.full(count, HighsVarType.kContinuous)
            highs.changeColsIntegrality(count, columns, continuous)

    @staticmethod
    def _run(highs: _Highs) -> np.ndarray | None:
        highs.run()
        status = highs.getModelStatus()
        if status == HighsModelStatus.kOptimal:
            return np.array(highs.getSolution().col_value)
        # HiGHS reports an unbounded maximum as "unbounded" or as "infeasible or unbounded".
        if status in _NO_OPTIMUM:
            return None
        raise RuntimeError(f"HiGHS could not solve the audit: {highs.modelStatusToString(status)}")


_NO_OPTIMUM = {
    HighsModelStatus.kInfeasible,
    HighsModelStatus.kUnbounded,
    HighsModelStatus.kUnboundedOrInfeasible,
}


def _sparse_rows(matrix: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """``matrix`` row-wise as HiGHS takes it: nonzeros, row starts, columns, values."""
    starts: list[int] = []
    columns: list[int] = []
    values: list[float] = []
    for row in matrix:
        starts.append(len(columns))
        [nonzero] = np.nonzero(row)
        columns.extend(nonzero)
        values.extend(row[nonzero])
    return (
        len(columns),
        np.array(starts, dtype=np.int32),
        np.array(columns, dtype=np.int32),
        np.array(values, dtype=float),
    )


Witnesses = dict[str, dict[str, int]]
"""Per hidden cell, a solution that showed it protected (a cache for :func:`first_unprotected`)."""
