"""Intake's HTTP API, mounted at ``/intake/api/v1``."""

from fastapi import APIRouter

from intake.api import contacten, imports, organisaties, vervolgacties, voorgesprekken

router = APIRouter()
router.include_router(organisaties.router)
router.include_router(contacten.router)
router.include_router(voorgesprekken.router)
router.include_router(vervolgacties.router)
router.include_router(imports.router)
