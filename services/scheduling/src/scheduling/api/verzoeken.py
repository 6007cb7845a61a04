"""The inbox of session requests that still wait for a session."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from ontour.service import SessionsDep

from scheduling import repository
from scheduling.schemas import VerzoekPublic

router = APIRouter(prefix="/verzoeken", tags=["verzoeken"])


@router.get("", response_model=list[VerzoekPublic], summary="Open sessieverzoeken, oudste eerst")
async def open_requests(database: SessionsDep) -> Any:
    async with database() as db:
        rows = await repository.open_requests(db)
        places = await repository.organisations(db, {r.organisation_code for r in rows})
    return [
        VerzoekPublic.model_validate(
            {
                **row.model_dump(),
                "organisation_name": places[row.organisation_code].name
                if row.organisation_code in places
                else row.organisation_code,
            }
        )
        for row in rows
    ]
