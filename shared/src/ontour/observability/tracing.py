"""OpenTelemetry traces: HTTP -> outbox -> NATS -> consumer as one trace.

Export is switched on by the standard ``OTEL_EXPORTER_OTLP_ENDPOINT`` variable; without it
spans are still created (so ids reach the logs) but not exported.

Every finished span passes :func:`ontour.observability.redaction.redact_path` before any
processor (and so any exporter) sees it: secret URLs never leave the process.
"""

from __future__ import annotations

import os

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import (
    Event,
    ReadableSpan,
    SynchronousMultiSpanProcessor,
    TracerProvider,
)
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Status

from ontour.observability.redaction import redact_query, redact_value

_provider: TracerProvider | None = None


def configure_tracing(service_name: str, exporter: SpanExporter | None = None) -> TracerProvider:
    """Install one tracer provider per process (idempotent)."""
    global _provider
    if _provider is None:
        _provider = TracerProvider(
            resource=Resource.create({"service.name": service_name}),
            active_span_processor=RedactingSpanProcessors(),
        )
        if exporter is None and os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter()
        if exporter is not None:
            _provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(_provider)
    return _provider


def redacted(span: ReadableSpan) -> ReadableSpan:
    """A copy of ``span`` with secret URLs (and query values) out of its name, attributes
    and events (``http.target``, ``http.url``, ``url.path``, ``url.query``, ...)."""
    attributes = {
        key: redact_query(value) if key == "url.query" and isinstance(value, str)
        else redact_value(value)
        for key, value in (span.attributes or {}).items()
    }  # fmt: skip
    events = [
        Event(event.name, redact_value(dict(event.attributes or {})), event.timestamp)
        for event in span.events
    ]
    return ReadableSpan(
        name=redact_value(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=attributes,
        events=events,
        links=span.links,
        kind=span.kind,
        status=Status(span.status.status_code, redact_value(span.status.description)),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class RedactingSpanProcessors(SynchronousMultiSpanProcessor):
    """The provider's processors, each handed the redacted span (so every exporter added
    later, the OTLP one and the tests' in-memory one alike, sees only redacted spans)."""

    def on_end(self, span: ReadableSpan) -> None:
        # Nobody to hand it to (no exporter configured): no redacted copy to make.
        if self._span_processors:
            super().on_end(redacted(span))


def current_trace_headers() -> dict[str, str]:
    """W3C trace context of the current span, to store with an outbox row."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


tracer = trace.get_tracer("ontour")
