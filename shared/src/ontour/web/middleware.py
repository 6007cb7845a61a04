"""Hardening every service and the front door share: security headers and a body limit.

Both are pure ASGI middleware (no ``BaseHTTPMiddleware``): the body limit must count the
bytes before anything (CSRF check, authentication, form parsing) reads them, and the
headers must reach every response, the 500 of Starlette's error middleware included.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ontour.web.problems import PROBLEM_JSON, problem_document

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# No inline script or style anywhere (templates link /<service>/static/*), no framing.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
HSTS = "max-age=31536000; includeSubDomains"
STATIC_SEGMENT = "/static/"


def _too_large_detail(limit: int) -> str:
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} kB"
    return f"Het verzoek is groter dan de toegestane {size}. Stuur minder gegevens tegelijk."


class BodyTooLarge(HTTPException):
    """Raised by the counting ``receive`` once a body passes its limit, after the 413 went
    out (an HTTPException, so FastAPI's body parsing passes it on instead of a 400)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large_detail(limit))


class BodyLimitMiddleware:
    """Refuse a request body over its limit with 413 problem+json, before it is parsed:
    at once by a declared ``Content-Length``, else by counting the chunks as they arrive.

    ``limits`` maps exact paths to a limit of their own (an upload), others get ``default``.
    """

    def __init__(
        self, app: ASGIApp, default: int = DEFAULT_MAX_BODY_BYTES, limits: Mapping[str, int] = {}
    ) -> None:
        self.app = app
        self.default = default
        self.limits = {path.rstrip("/") or "/": limit for path, limit in limits.items()}

    def limit_for(self, path: str) -> int:
        return self.limits.get(path.rstrip("/") or "/", self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(scope, send, 413 if declared.isdigit() else 400, limit)
            return
        received = 0
        started = refused = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started and not refused:
                        refused = True
                        await _refuse(scope, send, 413, limit)
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if refused:  # the 413 is out: whatever the app answers to the error is dropped
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except Exception:
            # Whoever read the body let the refusal through (a middleware's task group may
            # have wrapped it): the 413 has been sent, the error ends here.
            if not refused:
                raise


async def _refuse(scope: Scope, send: Send, status: int, limit: int) -> None:
    detail = (
        _too_large_detail(limit)
        if status == 413
        else "De Content-Length van het verzoek is ongeldig."
    )
    path = scope.get("root_path", "") + scope["path"]
    body = json.dumps(problem_document(status, detail, path)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    """The headers every response carries, set by the application itself (Caddy and the
    ingress add some of them too, but a service reached another way must not lack them).

    ``Cache-Control: no-store`` on everything but static assets: pages, API answers and
    exports carry personal data. ``Strict-Transport-Security`` when the request came over
    TLS or ``https`` says On Tour is only served over TLS (``public_base_url``).
    """

    def __init__(self, app: ASGIApp, https: bool = False, headers: Mapping[str, str] = {}) -> None:
        self.app = app
        self.https = https
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = STATIC_SEGMENT in scope["path"]
        tls = self.https or scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
                headers["X-Content-Type-Options"] = "nosniff"
                headers["X-Frame-Options"] = "DENY"
                headers["Referrer-Policy"] = "no-referrer"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if tls:
                    headers["Strict-Transport-Security"] = HSTS
                if not static:
                    headers["Cache-Control"] = "no-store"
                headers.update(self.headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def wrap_outermost(app: FastAPI, middleware: Callable[..., ASGIApp], **options: Any) -> None:
    """Put ``middleware`` around the whole stack, Starlette's error middleware included
    (``add_middleware`` places it inside, so a 500 would miss it)."""
    build = app.build_middleware_stack

    def build_wrapped() -> ASGIApp:
        return middleware(build(), **options)

    app.build_middleware_stack = build_wrapped  # type: ignore[method-assign]


def harden(
    app: FastAPI,
    *,
    https: bool,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    body_limits: Mapping[str, int] = {},
    headers: Mapping[str, str] = {},
) -> None:
    """Install both on an app (call after every other middleware and instrumentation);
    ``headers`` are added to every response (a service's ``API-Version``)."""
    app.add_middleware(BodyLimitMiddleware, default=max_body_bytes, limits=body_limits)
    wrap_outermost(app, SecurityHeadersMiddleware, https=https, headers=headers)
