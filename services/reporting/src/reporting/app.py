"""The reporting service: ``uvicorn reporting.app:create_app --factory``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from ontour.service import Service

from reporting import pages
from reporting.access import access
from reporting.api import router
from reporting.config import Settings
from reporting.handlers import consumers
from reporting.jobs import daily_release

service = Service(
    name="reporting",
    title="On Tour — rapportage",
    description="Cijfers over de tour (exact) en over personen (alleen per beschermde vrijgave).",
    settings_factory=Settings,
    migrations=Path(__file__).parent / "migrations",
    routers=[router],
    page_routers=[pages.router],
    templates=pages.TEMPLATES,
    locale=pages.LOCALE,
    consumers=consumers,
    access=access,
    jobs=[daily_release],
)


def create_app() -> FastAPI:
    return service.create_app()
