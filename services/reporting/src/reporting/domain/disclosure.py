"""Statistical disclosure control: the markers, and what may be shown of a statistic.

Figures about people are published only in releases (:mod:`reporting.domain.release`), whose
cells are decided there and attacked by :mod:`reporting.domain.attacker`; this module holds
what they share with every page and export:

* **Markers.** A count hidden because it is small shows "<5" (0..4). A count hidden only to
  protect another shows "x" (CBS's sign for *geheim*): it is at least 5, so "<5" would be
  untrue. Shares of hidden counts, figures computed from hidden counts, and statistics
  (median, p90) of fewer than 5 observations show "x" too. :func:`legend` gives the Dutch
  footnote.
* **JSON.** Every number is ``{"waarde": 12, "onderdrukt": null, "reden": null}`` or
  ``{"waarde": null, "onderdrukt": "<5", "reden": "klein-aantal"}``: ``onderdrukt`` is the
  marker to show, ``reden`` a stable code (:class:`Reason`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypedDict

from ontour.formatting import format_getal, format_procent

DEFAULT_THRESHOLD = 5
MIN_THRESHOLD = 3
SECONDARY_MARKER = "x"


class Reason(StrEnum):
    """Why a number is not shown (the ``reden`` in JSON)."""

    SMALL_COUNT = "klein-aantal"
    DERIVABLE = "herleidbaar"
    DERIVED = "afgeleid"
    FEW_OBSERVATIONS = "te-weinig-waarnemingen"


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A number that is not published, and why."""

    reason: Reason
    threshold: int = DEFAULT_THRESHOLD

    @property
    def marker(self) -> str:
        """What is shown instead: "<5" for a small count, "x" for everything else."""
        if self.reason is Reason.SMALL_COUNT:
            return f"<{self.threshold}"
        return SECONDARY_MARKER


Cell = int | Suppressed
"""A published count, or its marker."""

Statistic = float | Suppressed
"""A published share (a fraction, 0.25 is 25%) or statistic, or its marker."""


class JsonCell(TypedDict):
    """How the API publishes one number."""

    waarde: int | float | None
    onderdrukt: str | None
    reden: str | None


def legend(threshold: int = DEFAULT_THRESHOLD) -> dict[str, str]:
    """The Dutch footnote for the markers, marker → explanation."""
    _check(threshold)
    return {
        f"<{threshold}": f"minder dan {threshold}",
        SECONDARY_MARKER: (
            f"geheim: niet gepubliceerd omdat er anders een aantal onder de {threshold} uit af "
            f"te leiden is, of omdat het berekend is uit een geheim aantal of uit minder dan "
            f"{threshold} waarnemingen"
        ),
    }


def suppress_count(count: int, threshold: int = DEFAULT_THRESHOLD) -> Cell:
    """The primary rule: a count below the threshold is "<5" (0 included: next to a "<5", a
    shown 0 would tell that the "<5" is at least 1)."""
    _check(threshold)
    return Suppressed(Reason.SMALL_COUNT, threshold) if count < threshold else count


def share(numerator: Cell, denominator: Cell) -> Statistic:
    """``numerator / denominator`` as a fraction; hidden when either count is hidden."""
    if isinstance(numerator, Suppressed):
        return replace(numerator, reason=Reason.DERIVED)
    if isinstance(denominator, Suppressed):
        return replace(denominator, reason=Reason.DERIVED)
    if denominator <= 0:
        raise ValueError(f"a share needs a positive denominator, got {denominator}")
    return numerator / denominator


def protect_statistic(
    statistic: Callable[[Sequence[float]], float],
    observations: Sequence[float],
    threshold: int = DEFAULT_THRESHOLD,
) -> Statistic:
    """``statistic(observations)`` (a median, p90, mean), hidden below ``threshold`` of them.

    A median of three lead times is one organisation's lead time.
    """
    _check(threshold)
    if len(observations) < threshold:
        return Suppressed(Reason.FEW_OBSERVATIONS, threshold)
    return statistic(observations)


def render(value: Cell | Statistic, decimals: int | None = None) -> str:
    """Dutch display of a count or statistic: "1.234", "12,5", "<5" or "x"."""
    if isinstance(value, Suppressed):
        return value.marker
    return format_getal(value, decimals)


def render_percentage(value: Statistic, decimals: int = 0) -> str:
    """Dutch display of a share: "26%", "25,5%", or "x"."""
    if isinstance(value, Suppressed):
        return value.marker
    return format_procent(value, decimals)


def to_json(value: Cell | Statistic) -> JsonCell:
    """The API form of one number (see the module docstring)."""
    if isinstance(value, Suppressed):
        return {"waarde": None, "onderdrukt": value.marker, "reden": value.reason.value}
    return {"waarde": value, "onderdrukt": None, "reden": None}


def _check(threshold: int) -> None:
    """Refuse thresholds too low to protect anything.

    With threshold 2 the series ``1 + 1 = 2`` gives itself away even with every number hidden
    (two cells of at most 1 that add up to at least 2), so 3 is the least we accept.
    """
    if threshold < MIN_THRESHOLD:
        raise ValueError(f"threshold must be at least {MIN_THRESHOLD}, got {threshold}")
