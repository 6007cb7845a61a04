"""Tour statistics (walking skeleton: the number of voorgesprekken held)."""

from __future__ import annotations

from fastapi import APIRouter
from ontour.service import SessionsDep
from pydantic import BaseModel, Field

from reporting import repository

router = APIRouter(prefix="/statistieken", tags=["statistieken"])


class VoorgesprekkenTelling(BaseModel):
    """Hoeveel voorgesprekken er zijn gehouden."""

    gehouden: int = Field(description="Aantal gehouden voorgesprekken.")


@router.get(
    "/voorgesprekken",
    response_model=VoorgesprekkenTelling,
    summary="Aantal gehouden voorgesprekken",
)
async def voorgesprekken(sessions: SessionsDep) -> VoorgesprekkenTelling:
    async with sessions() as session:
        return VoorgesprekkenTelling(gehouden=await repository.count_held_voorgesprekken(session))
