"""The UI kit's pages in a small app, with a stand-in for the front door's session.

``?als=<role,role>`` signs the request in as "Anna de Vries" with those roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import PlainTextResponse
from ontour.frontdoor import pages_router
from ontour.web.kit_example import example_router
from ontour.web.rendering import PageRenderer, mount_static


@dataclass
class User:
    display_name: str
    roles: frozenset[str]


def kit_app(development: bool | None = True, environment: str | None = None) -> FastAPI:
    app = FastAPI()
    if environment:
        app.state.runtime = SimpleNamespace(settings=SimpleNamespace(environment=environment))

    @app.middleware("http")
    async def as_user(request: Request, call_next: Any) -> Any:
        roles = request.query_params.get("als")
        if roles is not None:
            request.state.user = User("Anna de Vries", frozenset(filter(None, roles.split(","))))
        request.state.csrf_token = "csrf-123"
        return await call_next(request)

    pages = PageRenderer("", development=development)
    app.include_router(pages_router(pages))
    app.include_router(example_router(pages))
    intake = PageRenderer("intake", development=development)

    @app.get("/intake/")
    async def intake_home(request: Request) -> Any:
        return intake.render(request, "ui/start.html")

    @app.get("/fout/{status}")
    async def error(request: Request, status: int) -> Any:
        return pages.error(request, status)

    @app.post("/afmelden")
    async def sign_out(csrf_token: str = Form("")) -> PlainTextResponse:
        return PlainTextResponse(f"afgemeld met token {csrf_token}")

    mount_static(app, "intake")
    return app
