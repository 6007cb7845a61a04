"""Prometheus metrics of reporting's own pipeline, beside the generic consumer metrics
(consumed, duplicates, failures, dead letters, lag): how fresh the read models are, how
long projecting and computing the published figures take. Counts and times only."""

from __future__ import annotations

from datetime import datetime

from ontour.observability.metrics import registry
from prometheus_client import Counter, Gauge, Histogram

last_event_timestamp = Gauge(
    "ontour_reporting_last_event_timestamp_seconds",
    'Time of the newest event in the read models ("bijgewerkt tot"), as a Unix time.',
    registry=registry,
)
rows_projected = Counter(
    "ontour_reporting_rows_projected_total",
    "Read-model rows written by the projection (a batch writes a row once).",
    ["table"],
    registry=registry,
)
projection_seconds = Histogram(
    "ontour_reporting_projection_seconds",
    "Time to project one event (live) or one batch (rebuild) into one read model.",
    ["table"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=registry,
)
figures_seconds = Histogram(
    "ontour_reporting_figures_seconds",
    "Time to compute the published figures from the read models (when not cached).",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=registry,
)
dead_letters = Gauge(
    "ontour_reporting_dead_letters",
    "Events parked by reporting's consumers: while above 0 the figures are incomplete.",
    registry=registry,
)


_newest = [0.0]


def saw_event(at: datetime) -> None:
    """Move the freshness gauge forward (never back: events may arrive out of order)."""
    if at.timestamp() > _newest[0]:
        _newest[0] = at.timestamp()
        last_event_timestamp.set(_newest[0])
