"""Writes and reads of reporting's read models; the caller owns the transaction.

What an event changes is decided in :mod:`reporting.domain.projection`; here those changes
are read, folded and written in as few statements as a batch allows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting import metrics
from reporting.domain import projection
from reporting.domain.projection import Change, Table
from reporting.models import READ_MODELS, RmRelease, RmState

# One table's read-fold-write at a time: live replicas and a rebuild's catch-up may project
# the same rows concurrently.
_LOCK = "SELECT pg_advisory_xact_lock(hashtext(:name))"


async def project(session: AsyncSession, changes: Sequence[Change], at: datetime) -> None:
    """Apply ``changes`` (in order) and move "bijgewerkt tot" to ``at`` if that is later:
    per table one read of the rows concerned and one write of the rows changed."""
    by_table: dict[Table, list[Change]] = defaultdict(list)
    for change in changes:
        by_table[change.table].append(change)
    for table in sorted(by_table, key=lambda t: t.value):
        model, table_changes = READ_MODELS[table], by_table[table]
        (key,) = model.__table__.primary_key.columns
        with metrics.projection_seconds.labels(table.value).time():
            await session.execute(text(_LOCK), {"name": f"reporting:{table.value}"})
            found = await session.execute(
                select(model.__table__).where(key.in_(list({c.key for c in table_changes})))
            )
            rows = {row[key.name]: dict(row) for row in found.mappings()}
            changed = projection.apply_all(rows, table_changes)
            if changed:
                await _write(session, model, [{**row, key.name: k} for k, row in changed.items()])
        metrics.rows_projected.labels(table.value).inc(len(changed))
    # "Bijgewerkt tot" follows the tour only: a stamp that moved with aftercare events would
    # tell whoever watches it when someone asked for help.
    if any(change.table is not Table.CASE for change in changes):
        await saw_event(session, at)
        metrics.saw_event(at)


def _defaults(model: Any) -> dict[str, Any]:
    # A tombstone lacks the columns its row's own event brings: NULL until that arrives.
    return {
        name: None if field.is_required() else field.get_default(call_default_factory=True)
        for name, field in model.model_fields.items()
    }


async def _write(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> None:
    table = model.__table__
    statement = insert(table)
    others = [c.name for c in table.columns if not c.primary_key]
    defaults = _defaults(model)
    # Only the table's columns: a row's "revision" is the fold's where the table keeps none.
    columns = set(defaults)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=list(table.primary_key.columns),
            set_={name: statement.excluded[name] for name in others},
        ),
        [{**defaults, **{k: v for k, v in row.items() if k in columns}} for row in rows],
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


async def lock_releases(session: AsyncSession) -> None:
    """One release run at a time (the daily job on every replica, the command, the button)."""
    await session.execute(text(_LOCK), {"name": "reporting:releases"})


async def store_release(session: AsyncSession, decision: RmRelease) -> None:
    """Store a release decision; a refusal may later be replaced, a release never is."""
    existing = await session.get(RmRelease, decision.id)
    if existing is not None:
        if existing.status == "vrijgegeven":
            raise ValueError(f"{decision.id} is already released")
        await session.delete(existing)
        await session.flush()
    session.add(decision)


# --- reads ----------------------------------------------------------------------------------------


async def all_rows(session: AsyncSession, table: Any) -> list[Any]:
    """Every row as a plain named tuple (no ORM objects: the dashboard reads thousands);
    tombstones (rows whose own event has not arrived) are left out."""
    columns = table.__table__.columns
    required = [columns[name] for name, field in table.model_fields.items() if field.is_required()]
    statement = select(table.__table__).where(*(column.is_not(None) for column in required))
    return list((await session.execute(statement)).all())


async def last_event_at(session: AsyncSession) -> datetime | None:
    row = await session.get(RmState, 1)
    if row is None or row.last_event_at is None:
        return None
    metrics.saw_event(row.last_event_at)
    return row.last_event_at
