"""Secrets in URLs never reach a log line, a span or a metric label.

Some addresses are secrets themselves: the aftercare status link
(``/aftercare/status/<token>`` and below it), the calendar feed
(``/scheduling/agenda/<token>.ics``) and the sign-in callback (``/auth/callback?code=…``).
:func:`redact_path` is the one place that knows them; the tracing exporter path, the log
processor and the error handler all pass what they record through it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Path prefixes whose next segment is a secret (a bearer token in the URL).
SECRET_PREFIXES: tuple[str, ...] = ("/aftercare/status/", "/scheduling/agenda/")
SEGMENT_PLACEHOLDER = "{token}"
QUERY_PLACEHOLDER = "[redacted]"

_SECRET_SEGMENT = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in SECRET_PREFIXES) + ")"
    # The segment, keeping a file extension (``.ics``) so the shape stays readable.
    r"(?!\{token\})[^/?#\s\"'<>]+?(\.[A-Za-z0-9]{1,5})?(?=[/?#\s\"'<>]|$)"
)
# Every query value: ``?code=abc&state=def`` -> ``?code=[redacted]&state=[redacted]``.
_QUERY_VALUE = re.compile(r"([?&][^=&#\s?]+=)[^&#\s\"'<>]*")


def redact_path(value: str) -> str:
    """``value`` (a path, a path with its query, a full URL or a text holding one) with
    secret path segments replaced by ``{token}`` and every query value by ``[redacted]``."""
    if "/" not in value and "=" not in value:
        return value
    value = _SECRET_SEGMENT.sub(lambda m: m[1] + SEGMENT_PLACEHOLDER + (m[2] or ""), value)
    return _QUERY_VALUE.sub(lambda m: m[1] + QUERY_PLACEHOLDER, value)


def redact_query(query: str) -> str:
    """A bare query string (``code=abc&state=def``, as in ``url.query``), values redacted."""
    return redact_path("?" + query)[1:] if query else query


def redact_value(value: Any) -> Any:
    """Strings redacted, containers walked (log events, span attributes)."""
    if isinstance(value, str):
        return redact_path(value)
    if isinstance(value, Mapping):
        return {key: redact_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        items = [redact_value(item) for item in value]
        return tuple(items) if isinstance(value, tuple) else items
    return value
