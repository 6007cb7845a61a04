"""Reads and writes of reporting's read models; the caller owns the transaction."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting.models import HeldVoorgesprek


async def record_held_voorgesprek(session: AsyncSession, row: HeldVoorgesprek) -> None:
    # Idempotent by key as well as by inbox: a replay never counts twice.
    await session.execute(
        insert(HeldVoorgesprek).values(**row.model_dump()).on_conflict_do_nothing()
    )


async def count_held_voorgesprekken(session: AsyncSession) -> int:
    return int((await session.exec(select(func.count()).select_from(HeldVoorgesprek))).one())
