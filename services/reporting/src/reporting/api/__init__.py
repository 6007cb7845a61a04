"""Reporting's HTTP API, mounted at ``/reporting/api/v1``."""

from fastapi import APIRouter

from reporting.api import statistieken

router = APIRouter()
router.include_router(statistieken.router)
