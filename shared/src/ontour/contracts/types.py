"""Field types the contracts of several services share."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

# A wall-clock time in Europe/Amsterdam, "19:30": JSON Schema's "time" format demands an
# offset, which a meeting time on a form does not have.
LocalTime = Annotated[
    time,
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"}),
]
