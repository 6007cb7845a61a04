"""Writes and reads of reporting's read models; the caller owns the transaction.

Every write is idempotent and order-tolerant: rows are upserted only by a higher revision,
and a case's moments are set once (the first time they are seen).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting.models import RmCase, RmOrganisation, RmState


async def upsert_organisation(session: AsyncSession, values: dict[str, Any]) -> None:
    statement = insert(RmOrganisation).values(**values)
    changing = {k: v for k, v in values.items() if k != "code"}
    await session.execute(statement.on_conflict_do_update(index_elements=["code"], set_=changing))


async def end_organisation(session: AsyncSession, code: str, valid_until: Any) -> None:
    await session.execute(
        update(RmOrganisation)
        .where(col(RmOrganisation.code) == code)
        .values(valid_until=valid_until)
    )


async def upsert_by_revision(session: AsyncSession, table: Any, values: dict[str, Any]) -> None:
    """Insert, or overwrite an older revision; a late older revision changes nothing."""
    statement = insert(table).values(**values)
    changing = {k: v for k, v in values.items() if k != "id"}
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"],
            set_=changing,
            where=table.revision < statement.excluded.revision,
        )
    )


async def update_by_revision(
    session: AsyncSession, table: Any, row_id: uuid.UUID, revision: int, values: dict[str, Any]
) -> None:
    await session.execute(
        update(table)
        .where(table.id == row_id)
        .where(table.revision < revision)
        .values(**values, revision=revision)
    )


async def record_case(session: AsyncSession, case_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Create the case row when missing; set each given moment only when not yet known."""
    await session.execute(
        insert(RmCase)
        .values(id=case_id, consent=values.get("consent", False))
        .on_conflict_do_nothing()
    )
    fixed = {k: v for k, v in values.items() if k.endswith("_at")}
    # Categories come with every event of a consented case; an empty one never erases them.
    other = {k: v for k, v in values.items() if not k.endswith("_at") and v not in (None, [])}
    if other:
        await session.execute(update(RmCase).where(col(RmCase.id) == case_id).values(**other))
    for name, moment in fixed.items():
        column = getattr(RmCase, name)
        await session.execute(
            update(RmCase)
            .where(col(RmCase.id) == case_id)
            .where(column.is_(None))
            .values({name: moment})
        )


async def saw_event(session: AsyncSession, at: datetime) -> None:
    """Keep the time of the newest event processed ("bijgewerkt tot")."""
    statement = insert(RmState).values(id=1, last_event_at=at)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["id"],
            set_={
                "last_event_at": func.greatest(
                    RmState.last_event_at, statement.excluded.last_event_at
                )
            },
        )
    )


# --- reads ----------------------------------------------------------------------------------------


async def all_rows(session: AsyncSession, table: Any) -> list[Any]:
    """Every row as a plain named tuple (no ORM objects: the dashboard reads thousands)."""
    return list((await session.execute(select(table.__table__))).all())


async def last_event_at(session: AsyncSession) -> datetime | None:
    row = await session.get(RmState, 1)
    return row.last_event_at if row else None
