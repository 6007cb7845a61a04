"""Scheduling's HTTP API, mounted at ``/scheduling/api/v1`` (endpoints come with its issue)."""

from fastapi import APIRouter

router = APIRouter()
