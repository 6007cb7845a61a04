"""Scheduling's HTTP API, mounted at ``/scheduling/api/v1``."""

from fastapi import APIRouter

from scheduling.api import planningen, sessies, teamleden, verzoeken

router = APIRouter()
router.include_router(verzoeken.router)
router.include_router(teamleden.router)
router.include_router(planningen.router)
router.include_router(sessies.router)
