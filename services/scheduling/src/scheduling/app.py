"""The scheduling service: ``uvicorn scheduling.app:create_app --factory``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from ontour.service import Service

from scheduling import pages, team_pages
from scheduling.access import access
from scheduling.api import router
from scheduling.api.sessies import feed_router
from scheduling.config import Settings
from scheduling.handlers import consumers

service = Service(
    name="scheduling",
    title="On Tour — planning",
    description="Planning van sessies met raden en Staten, agenda's en agendafeeds.",
    settings_factory=Settings,
    migrations=Path(__file__).parent / "migrations",
    routers=[router],
    page_routers=[pages.router, team_pages.router, feed_router],
    templates=pages.TEMPLATES,
    locale=pages.LOCALE,
    consumers=consumers,
    access=access,
)


def create_app() -> FastAPI:
    return service.create_app()
