"""The intake service: ``uvicorn intake.app:create_app --factory``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from ontour.contracts.intake import (
    OrganisatieGeregistreerd,
    OrganisatieGewijzigd,
    SessieverzoekIngediend,
    SessieverzoekIngetrokken,
    VoorgesprekGeannuleerd,
    VoorgesprekGehouden,
    VoorgesprekGepland,
)
from ontour.crypto import FieldCipher
from ontour.service import Runtime, Service

from intake import pages
from intake.access import access
from intake.api import router
from intake.config import Settings
from intake.handlers import consumers
from intake.registration import load_shipped_register


async def start(runtime: Runtime) -> None:
    # Refuse to start without usable master keys (before any contact is read or written).
    FieldCipher.from_settings(runtime.settings)
    await load_shipped_register(runtime)


service = Service(
    name="intake",
    title="On Tour — intake",
    description="Register van organisaties, voorgesprekken en vervolgacties.",
    settings_factory=Settings,
    migrations=Path(__file__).parent / "migrations",
    routers=[router],
    page_routers=[pages.router],
    templates=pages.TEMPLATES,
    locale=pages.LOCALE,
    consumers=consumers,
    access=access,
    publishes=[
        OrganisatieGeregistreerd,
        OrganisatieGewijzigd,
        VoorgesprekGepland,
        VoorgesprekGehouden,
        VoorgesprekGeannuleerd,
        SessieverzoekIngediend,
        SessieverzoekIngetrokken,
    ],
    on_startup=start,
)


def create_app() -> FastAPI:
    return service.create_app()
