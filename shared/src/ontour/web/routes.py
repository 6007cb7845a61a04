"""The full path template of the matched route (``/intake/api/v1/voorgesprekken/{id}``).

FastAPI (0.16x) keeps included routers nested, so the matched route knows only its own
part of the path; the prefix is recovered from the concrete path.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any


def route_template(scope: MutableMapping[str, Any]) -> str | None:
    route = scope.get("route")
    inner = getattr(route, "path", None)
    if inner is None:
        return None
    path: str = scope.get("path", "")
    rendered = inner
    for name, value in (scope.get("path_params") or {}).items():
        pattern = re.compile(r"\{" + re.escape(name) + r"(:[^}]*)?\}")
        rendered = pattern.sub(str(value).replace("\\", "\\\\"), rendered)
    if path.endswith(rendered):
        return path[: len(path) - len(rendered)] + inner
    return str(inner)
