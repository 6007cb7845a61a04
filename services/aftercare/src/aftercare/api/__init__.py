"""Aftercare's HTTP API, mounted at ``/aftercare/api/v1`` (endpoints come with its issue)."""

from fastapi import APIRouter

router = APIRouter()
