"""Reporting's HTTP API, mounted at ``/reporting/api/v1``: aggregates only."""

from fastapi import APIRouter

from reporting.api import cijfers

router = APIRouter()
router.include_router(cijfers.router)
