"""Reporting's HTTP API, mounted at ``/reporting/api/v1``: aggregates only."""

from fastapi import APIRouter

from reporting.api import cijfers, vrijgaven

router = APIRouter()
router.include_router(cijfers.router)
router.include_router(vrijgaven.router)
