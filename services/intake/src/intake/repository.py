"""Persistence of intake's aggregates; the caller owns the transaction."""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from intake.models import Voorgesprek


async def add_voorgesprek(session: AsyncSession, voorgesprek: Voorgesprek) -> Voorgesprek:
    session.add(voorgesprek)
    await session.flush()
    return voorgesprek


async def get_voorgesprek(session: AsyncSession, voorgesprek_id: uuid.UUID) -> Voorgesprek | None:
    return await session.get(Voorgesprek, voorgesprek_id)
