"""scheduling's HTTP API, mounted at ``/scheduling/api/v1`` (endpoints arrive with the scheduling issue)."""

from fastapi import APIRouter

router = APIRouter()
