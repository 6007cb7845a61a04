"""JSON log lines carry the trace context."""

from __future__ import annotations

import json

from ontour.observability.logging import configure_logging, get_logger
from ontour.observability.tracing import tracer


def test_log_lines_are_json_with_trace_and_span_ids(capsys):
    configure_logging("intake")
    with tracer.start_as_current_span("work") as span:
        get_logger("test").info("voorgesprek recorded", voorgesprek_id="abc")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    context = span.get_span_context()
    assert line["message"] == "voorgesprek recorded"
    assert line["service"] == "intake"
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")
