"""The tour's figures as BZK may see them: the raw figures with the disclosure rule applied.

One function per figure, so that the API, the dashboard and the exports cannot each make
their own choice of which counts form a table with a total:

* **Funnel**: the four stage counts are published one by one (no stage is the sum of others);
  a conversion is the share of two of them; a lead time's median and p90 need at least 5
  measured lead times. Consecutive stage counts show how many organisations did not (yet)
  go on: organisations, not people, and never a hidden count.
* **Coverage**: the gemeenten reached per province add up to the gemeenten reached
  nationally, so they are protected as one series with that total. Denominators (342, 12,
  gemeenten per province) come from the public register and are shown as they are.
* **Coverage per gemeente** (the map and its table): whether a gemeente was reached is
  shown only where its province's count is published. Counting the gemeenten shown as
  reached then gives exactly the published count, never a hidden one.
* **Forecast**: the projection is ``done × (tour days / elapsed days)``: from the public dates
  it gives ``done`` back exactly, so it is hidden whenever ``done`` is.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from ontour.contracts.intake import TourStatus

from reporting.domain.disclosure import (
    DEFAULT_THRESHOLD,
    Cell,
    Reason,
    Statistic,
    Suppressed,
    protect_statistic,
    share,
    suppress_count,
    suppress_series,
)
from reporting.domain.funnel import Funnel
from reporting.domain.statistics import Coverage, Forecast, Reach, median, p90


@dataclass(frozen=True, slots=True)
class PublishedStep:
    """One funnel step as published: conversion, and median and p90 lead time in days."""

    source: TourStatus
    target: TourStatus
    conversion: Statistic
    measured: Cell
    median_days: Statistic
    p90_days: Statistic


@dataclass(frozen=True)
class PublishedFunnel:
    """Organisations per stage and the steps between them, as published."""

    reached: Mapping[TourStatus, Cell]
    steps: tuple[PublishedStep, ...]


@dataclass(frozen=True, slots=True)
class PublishedReach:
    """How many of ``of`` organisations were reached, and which share that is."""

    reached: Cell
    of: int
    share: Statistic


@dataclass(frozen=True)
class PublishedCoverage:
    """Coverage as published: nationally and per province."""

    gemeenten: PublishedReach
    provincies: PublishedReach
    gemeenten_per_province: Mapping[str, PublishedReach]


@dataclass(frozen=True, slots=True)
class PublishedForecast:
    """The forecast as published."""

    done: Cell
    target: int
    projected_total: Statistic
    meets_target: bool | Suppressed


def publish_funnel(funnel: Funnel, threshold: int = DEFAULT_THRESHOLD) -> PublishedFunnel:
    """The funnel with small counts and thinly based lead times hidden."""
    reached = {stage: suppress_count(n, threshold) for stage, n in funnel.reached.items()}
    steps = tuple(
        PublishedStep(
            source=step.source,
            target=step.target,
            conversion=share(reached[step.target], reached[step.source]),
            measured=suppress_count(len(step.lead_times.days), threshold),
            median_days=protect_statistic(median, step.lead_times.days, threshold),
            p90_days=protect_statistic(p90, step.lead_times.days, threshold),
        )
        for step in funnel.steps
    )
    return PublishedFunnel(reached, steps)


def publish_coverage(coverage: Coverage, threshold: int = DEFAULT_THRESHOLD) -> PublishedCoverage:
    """Coverage with the provinces' counts protected as a series with the national total."""
    per_province = coverage.gemeenten_per_province
    series = suppress_series(
        {code: reach.reached for code, reach in per_province.items()}, threshold=threshold
    )
    return PublishedCoverage(
        gemeenten=_published_reach(series.total, coverage.gemeenten),
        provincies=_published_reach(
            suppress_count(coverage.provincies.reached, threshold), coverage.provincies
        ),
        gemeenten_per_province={
            code: _published_reach(series.cells[code], reach)
            for code, reach in per_province.items()
        },
    )


def publish_reached_gemeenten(
    reached: Collection[str],
    gemeenten: Mapping[str, str],
    coverage: PublishedCoverage,
) -> dict[str, bool | Suppressed]:
    """Per gemeente (code -> its province) whether it is in ``reached``, hidden ("x") in a
    province whose count of reached gemeenten is hidden."""
    hidden = {
        code for code, reach in coverage.gemeenten_per_province.items()
        if isinstance(reach.reached, Suppressed)
    }  # fmt: skip
    return {
        code: Suppressed(Reason.DERIVED) if province in hidden else code in reached
        for code, province in gemeenten.items()
    }


def publish_forecast(forecast: Forecast, threshold: int = DEFAULT_THRESHOLD) -> PublishedForecast:
    """The forecast, hidden along with a hidden count of what was done."""
    done = suppress_count(forecast.done, threshold)
    if isinstance(done, Suppressed):
        derived = replace(done, reason=Reason.DERIVED)
        return PublishedForecast(done, forecast.target, derived, derived)
    return PublishedForecast(done, forecast.target, forecast.projected_total, forecast.meets_target)


def _published_reach(reached: Cell, reach: Reach) -> PublishedReach:
    return PublishedReach(reached, reach.of, share(reached, reach.of))
