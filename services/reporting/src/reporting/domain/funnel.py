"""The tour funnel: voorgesprek gehouden → sessie gewenst → sessie gepland → sessie gehouden.

The records come from the events of several services, so they arrive late, out of order and
sometimes twice. What the funnel makes of them:

* A stage is *first reached* on the earliest Amsterdam day recorded for it; a duplicate is
  the same fact again and counts once.
* An organisation that reached a later stage has passed the earlier ones, also when such a
  step was never recorded (an imported sessie without its voorgesprek). The counts per stage
  therefore never grow along the funnel, and a step's conversion is next / previous.
* A lead time is measured only between two recorded stages, in calendar days. A later stage
  recorded before an earlier one (a sessie asked for before the voorgesprek was held) is no
  lead time; it is counted as ``out_of_order`` so that it stays visible.
* Tour statuses that are no funnel stage ("niet benaderd", "voorgesprek gepland", "geen
  interesse") are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise

from ontour.contracts.intake import TourStatus

from reporting.domain.statistics import conversion_rate, local_date

FUNNEL = (
    TourStatus.VOORGESPREK_GEHOUDEN,
    TourStatus.SESSIE_GEWENST,
    TourStatus.SESSIE_GEPLAND,
    TourStatus.SESSIE_GEHOUDEN,
)


@dataclass(frozen=True, slots=True)
class StageRecord:
    """An organisation reached a stage at a moment (an aware datetime, or a day)."""

    organisation: str
    stage: TourStatus
    at: date | datetime


FirstReached = Mapping[str, Mapping[TourStatus, date]]
"""Per organisation, the first day each recorded funnel stage was reached."""


@dataclass(frozen=True, slots=True)
class LeadTimes:
    """Days from one stage to another, one per organisation that has both in that order."""

    days: tuple[int, ...]
    out_of_order: int


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the funnel: how many went on, and how long it took them."""

    source: TourStatus
    target: TourStatus
    entered: int
    converted: int
    lead_times: LeadTimes

    @property
    def conversion(self) -> float | None:
        return conversion_rate(self.converted, self.entered)


@dataclass(frozen=True)
class Funnel:
    """Organisations per stage (in funnel order) and the three steps between them."""

    reached: Mapping[TourStatus, int]
    steps: tuple[Step, ...]


def first_reached(records: Iterable[StageRecord]) -> dict[str, dict[TourStatus, date]]:
    """Per organisation the earliest day of each funnel stage, whatever the record order."""
    first: dict[str, dict[TourStatus, date]] = {}
    for record in records:
        if record.stage not in FUNNEL:
            continue
        day = local_date(record.at)
        stages = first.setdefault(record.organisation, {})
        stages[record.stage] = min(day, stages.get(record.stage, day))
    return first


def lead_times(first: FirstReached, source: TourStatus, target: TourStatus) -> LeadTimes:
    """Days from ``source`` to ``target`` for every organisation with both recorded."""
    differences = [
        (stages[target] - stages[source]).days
        for _, stages in sorted(first.items())
        if source in stages and target in stages
    ]
    return LeadTimes(
        days=tuple(days for days in differences if days >= 0),
        out_of_order=sum(days < 0 for days in differences),
    )


def funnel(records: Iterable[StageRecord]) -> Funnel:
    """Counts per stage, conversion and lead times per step."""
    first = first_reached(records)
    furthest = [max(FUNNEL.index(stage) for stage in stages) for stages in first.values()]
    reached = {stage: sum(f >= index for f in furthest) for index, stage in enumerate(FUNNEL)}
    steps = tuple(
        Step(source, target, reached[source], reached[target], lead_times(first, source, target))
        for source, target in pairwise(FUNNEL)
    )
    return Funnel(reached, steps)
