"""Logs, traces and metrics (and keeping secrets out of them: :func:`redact_path`)."""

from ontour.observability.redaction import redact_path

__all__ = ["redact_path"]
