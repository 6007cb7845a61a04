"""The aftercare service: ``uvicorn aftercare.app:create_app --factory``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from ontour.crypto import FieldCipher
from ontour.service import Runtime, Service

from aftercare import pages, peer_pages, statement_pages
from aftercare.access import access
from aftercare.api import router
from aftercare.config import Settings
from aftercare.handlers import consumers


async def refuse_without_keys(runtime: Runtime) -> None:
    # No start without usable master keys: nothing personal may be stored unencrypted.
    FieldCipher.from_settings(runtime.settings)


service = Service(
    name="aftercare",
    title="On Tour — nazorg",
    description="Nazorg door ervaren collega's: aanvragen, koppeling en dossiers.",
    settings_factory=Settings,
    migrations=Path(__file__).parent / "migrations",
    routers=[router],
    page_routers=[pages.router, peer_pages.router, statement_pages.router],
    templates=pages.TEMPLATES,
    locale=pages.LOCALE,
    consumers=consumers,
    access=access,
    on_startup=refuse_without_keys,
)


def create_app() -> FastAPI:
    return service.create_app()
