"""The intake service: ``uvicorn intake.app:create_app --factory``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from ontour.crypto import FieldCipher
from ontour.service import Runtime, Service

from intake import pages
from intake.access import access
from intake.api import router
from intake.config import Settings
from intake.domain import upload
from intake.handlers import consumers
from intake.usecases.register import load_shipped_register


async def start(runtime: Runtime) -> None:
    # Refuse to start without usable master keys (before any contact is read or written).
    FieldCipher.from_settings(runtime.settings)
    await load_shipped_register(runtime.sessions)


# An import file (CSV or XLSX, at most upload.MAX_BYTES) with its multipart wrapping.
IMPORT_BODY_BYTES = upload.MAX_BYTES + 1024 * 1024

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
    on_startup=start,
    body_limits={"/intake/api/v1/imports": IMPORT_BODY_BYTES, "/intake/import": IMPORT_BODY_BYTES},
    renamed_query_params={"tour_status": "tourStatus", "met_notitie": "metNotitie"},
)


def create_app() -> FastAPI:
    return service.create_app()
