"""Aftercare's HTTP API, mounted at ``/aftercare/api/v1``."""

from fastapi import APIRouter

from aftercare.api import peers, vervolgstappen, verzoeken

router = APIRouter()
router.include_router(verzoeken.router)
router.include_router(peers.router)
router.include_router(vervolgstappen.router)
