"""Query parameters renamed to lower camelCase (NL API Design Rules, /core/query-keys-camel-case).

The old names keep working until ``SUNSET``: a request that uses one is answered as if it
had used the new name (which wins when both are given), with a ``Deprecation`` and a
``Sunset`` header (RFC 9745, RFC 8594) telling the client to move on. The OpenAPI document
names only the new names, with the old one in their description (``ontour.web.openapi``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from email.utils import format_datetime
from urllib.parse import unquote_plus

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Renamed in every service: the shared paging and the audit trail. Services add their own.
RENAMED_QUERY_PARAMS = {
    "per_pagina": "perPagina",
    "object_type": "objectType",
    "object_id": "objectId",
}
DEPRECATED_SINCE = date(2026, 12, 6)
SUNSET = date(2027, 7, 1)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


DEPRECATION_HEADERS = {
    "Deprecation": f"@{int(_midnight(DEPRECATED_SINCE).timestamp())}",
    "Sunset": format_datetime(_midnight(SUNSET), usegmt=True),
}


class RenamedQueryParams:
    """Pure ASGI middleware: rename old query parameter names under ``prefix`` before routing."""

    def __init__(self, app: ASGIApp, renamed: Mapping[str, str], prefix: str) -> None:
        self.app = app
        self.renamed = dict(renamed)
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        renamed = self.rename(query)
        if renamed == query:
            await self.app(scope, receive, send)
            return

        async def send_deprecation(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).update(DEPRECATION_HEADERS)
            await send(message)

        await self.app({**scope, "query_string": renamed}, receive, send_deprecation)

    def rename(self, query: bytes) -> bytes:
        """The query with every old name replaced by its new one; values stay byte for byte."""
        parts = query.split(b"&") if query else []
        keys = [part.partition(b"=")[0] for part in parts]
        names = [unquote_plus(key.decode("latin-1")) for key in keys]
        given = set(names)
        kept = []
        for part, key, name in zip(parts, keys, names, strict=True):
            new = self.renamed.get(name)
            if new is None:
                kept.append(part)
            elif new not in given:  # when both are given the new name wins
                kept.append(new.encode() + part[len(key) :])
        return b"&".join(kept)
