"""The front door: the start page, sign-in/sign-out and the accessibility statement.

A small process of its own (``uvicorn ontour.frontdoor:create_app --factory``), behind Caddy
at ``/``. It has no database: sessions live in the shared session store on NATS.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import nats
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse

from ontour.auth.csrf import CsrfCookieMiddleware
from ontour.auth.identity import Identity
from ontour.auth.oidc import oidc_router
from ontour.auth.sessions import SessionStore
from ontour.auth.tokens import use_discovery_url
from ontour.messaging.connection import NatsServers
from ontour.messaging.streams import ensure_streams
from ontour.observability.logging import configure_logging
from ontour.settings import ServiceSettings
from ontour.web.drain import Drain
from ontour.web.middleware import harden
from ontour.web.problems import (
    RETRY_AFTER_OUTAGE_SECONDS,
    Problem,
    install_problem_handlers,
)
from ontour.web.rendering import PageRenderer, static_router


def pages_router(pages: PageRenderer) -> APIRouter:
    """The front door's pages, for mounting at the root: ``/`` (start page),
    ``/toegankelijkheid``, ``/beheer`` and the kit's assets at ``/static``."""
    router = APIRouter(include_in_schema=False)
    router.routes.extend(static_router().routes)

    @router.get("/", response_class=HTMLResponse)
    async def start(request: Request) -> HTMLResponse:
        return pages.render(request, "ui/start.html")

    @router.get("/toegankelijkheid", response_class=HTMLResponse)
    async def accessibility(request: Request) -> HTMLResponse:
        return pages.render(request, "ui/toegankelijkheid.html")

    @router.get("/beheer", response_class=HTMLResponse)
    async def administration(request: Request) -> HTMLResponse:
        return pages.render(request, "ui/beheer.html")

    return router


class FrontDoorSettings(ServiceSettings):
    service_name: str = "frontdoor"
    http_port: int = 8100


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or FrontDoorSettings()
    configure_logging("frontdoor", settings.log_level)
    use_discovery_url(settings.oidc_issuer, settings.oidc_discovery_url)
    identity = Identity.from_settings(settings)
    drain = Drain(settings.shutdown_drain_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        connection = await nats.connect(**NatsServers.parse(settings.nats_url).connect_options())
        js = connection.jetstream()
        await ensure_streams(js, update=False)
        identity.sessions = await SessionStore.open(
            js,
            settings.secret_key.get_secret_value(),
            idle_seconds=settings.session_idle_minutes * 60,
        )
        app.state.nats = connection
        try:
            with drain.holding_sigterm():
                yield
        finally:
            await connection.close()

    app = FastAPI(
        title="On Tour", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    install_problem_handlers(app)
    app.add_middleware(
        CsrfCookieMiddleware,
        secret_key=settings.secret_key.get_secret_value(),
        secure=settings.session_cookie_secure,
        cookie_prefix=settings.cookie_prefix,
    )
    app.state.settings = settings
    pages = PageRenderer("")
    app.state.error_page = lambda request, status, title, detail: pages.error(
        request, status, detail
    )
    app.include_router(oidc_router(settings, identity))

    async def signed_in(request: Request) -> None:
        request.state.user = await identity.authenticate(request)

    app.include_router(pages_router(pages), dependencies=[Depends(signed_in)])

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        drain.refuse_when_stopping()
        return {"status": "ok"}

    @app.get("/health/ready")
    async def ready(request: Request) -> dict[str, str]:
        drain.refuse_when_stopping()
        try:
            await request.app.state.nats.jetstream().account_info()
        except Exception:  # the session store is unreachable: not ready, but no 500
            raise Problem(
                503,
                "Niet gereed: broker niet bereikbaar.",
                headers={"Retry-After": str(RETRY_AFTER_OUTAGE_SECONDS)},
            ) from None
        return {"status": "ok", "broker": "ok"}

    harden(app, https=settings.public_base_url.startswith("https://"))
    return app
