"""Prometheus metrics of the event pipeline (no personal data in any label)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

registry = CollectorRegistry(auto_describe=True)

events_published = Counter(
    "ontour_events_published_total",
    "Events the outbox relay published to JetStream.",
    ["service", "event_type"],
    registry=registry,
)
events_consumed = Counter(
    "ontour_events_consumed_total",
    "Events a consumer applied (duplicates excluded).",
    ["service", "consumer", "event_type"],
    registry=registry,
)
events_duplicate = Counter(
    "ontour_events_duplicate_total",
    "Redelivered events the inbox recognised and skipped.",
    ["service", "consumer"],
    registry=registry,
)
events_failed = Counter(
    "ontour_events_failed_total",
    "Handler attempts that failed (the event is retried or parked).",
    ["service", "consumer"],
    registry=registry,
)
events_dead_lettered = Counter(
    "ontour_events_dead_lettered_total",
    "Events parked in the dead-letter stream.",
    ["service", "consumer", "reason"],
    registry=registry,
)
outbox_lag = Gauge(
    "ontour_outbox_unsent",
    "Outbox rows not yet confirmed by JetStream.",
    ["service"],
    registry=registry,
)
outbox_oldest_unsent_seconds = Gauge(
    "ontour_outbox_oldest_unsent_seconds",
    "Age of the oldest unsent outbox row.",
    ["service"],
    registry=registry,
)
consumer_lag = Gauge(
    "ontour_consumer_pending",
    "Messages in the stream not yet delivered to the durable consumer.",
    ["service", "consumer"],
    registry=registry,
)

http_requests = Counter(
    "ontour_http_requests_total",
    "HTTP requests by route template and status class.",
    ["service", "method", "route", "status"],
    registry=registry,
)
