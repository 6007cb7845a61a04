"""Intake's HTTP API, mounted at ``/intake/api/v1``."""

from fastapi import APIRouter

from intake.api import voorgesprekken

router = APIRouter()
router.include_router(voorgesprekken.router)
