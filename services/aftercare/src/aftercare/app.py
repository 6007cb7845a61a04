"""The aftercare service: ``uvicorn aftercare.app:create_app --factory``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from ontour.service import Service

from aftercare.access import access
from aftercare.api import router
from aftercare.config import Settings
from aftercare.handlers import consumers

service = Service(
    name="aftercare",
    title="On Tour — nazorg",
    description="Nazorg door ervaren collega's: aanvragen, koppeling en dossiers.",
    settings_factory=Settings,
    migrations=Path(__file__).parent / "migrations",
    routers=[router],
    consumers=consumers,
    access=access,
)


def create_app() -> FastAPI:
    return service.create_app()
