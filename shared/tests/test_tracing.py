"""HTTP -> outbox -> NATS -> consumer is one trace."""

from __future__ import annotations

from backbone_support import held_count, intake_and_reporting, reporting_caught_up
from ontour.testing.plugin import eventually
from opentelemetry.trace import SpanKind

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


async def test_one_trace_from_the_request_to_the_consumer(
    nats_url, database_url, finished_spans, idp_url, bearer
):
    async with intake_and_reporting(nats_url, database_url, idp_url, bearer("coordinator")) as (
        api,
        stats,
    ):
        response = await api.post(
            "/intake/api/v1/voorgesprekken",
            json={"organisation_code": "PV20", "held_on": "2025-01-10", "mode": "telefonisch"},
            headers={"traceparent": f"00-{TRACE_ID}-b7ad6b7169203331-01"},
        )
        assert response.status_code == 201

        await reporting_caught_up(api, stats)
        assert await held_count(stats) == 1

        def spans_of_kind(kind):
            return [
                s
                for s in finished_spans.get_finished_spans()
                if s.kind == kind and format(s.context.trace_id, "032x") == TRACE_ID
            ]

        await eventually(lambda: _async(bool(spans_of_kind(SpanKind.CONSUMER))))
        assert spans_of_kind(SpanKind.SERVER), "the HTTP request is in the trace"
        subject = "ontour.intake.voorgesprek.gehouden.v1"
        # One PRODUCER span for the event: the relay's publish, a child of the request's
        # trace, and the consumer's span its child.
        [publish] = [s for s in spans_of_kind(SpanKind.PRODUCER) if subject in s.name]
        assert publish.name == f"{subject} publish"
        assert publish.attributes["messaging.system"] == "nats"
        assert publish.attributes["messaging.destination.name"] == subject
        assert publish.attributes["messaging.operation"] == "publish"
        [consumer] = [s for s in spans_of_kind(SpanKind.CONSUMER) if subject in s.name]
        assert consumer.parent is not None
        assert consumer.parent.span_id == publish.context.span_id


async def _async(value):
    return value
