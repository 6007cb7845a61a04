"""aftercare's HTTP API, mounted at ``/aftercare/api/v1`` (endpoints arrive with the aftercare issue)."""

from fastapi import APIRouter

router = APIRouter()
