"""Writes and reads of reporting's read models; the caller owns the transaction.

What an event changes is decided in :mod:`reporting.domain.projection`; here those changes
are read, folded and written in as few statements as a batch allows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from operator import itemgetter
from typing import Any

import asyncpg
from sqlalchemy import func, text
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting import metrics
from reporting.domain import projection
from reporting.domain.projection import ABOUT_PEOPLE, Change, Row, Table
from reporting.models import READ_MODELS, RmRelease, RmState

# One table's read-fold-write at a time: live replicas and a rebuild's catch-up may project
# the same rows concurrently.
_LOCK = "SELECT pg_advisory_xact_lock(hashtext(:name))"


def _by_table(changes: Sequence[Change]) -> list[tuple[Table, list[Change]]]:
    by_table: dict[Table, list[Change]] = defaultdict(list)
    for change in changes:
        by_table[change.table].append(change)
    return sorted(by_table.items(), key=lambda item: item[0].value)


async def project(session: AsyncSession, changes: Sequence[Change], at: datetime) -> None:
    """Apply ``changes`` (in order) and move "bijgewerkt tot" to ``at`` if that is later:
    per table one read of the rows concerned and one write of the rows changed."""
    for table, table_changes in _by_table(changes):
        model = READ_MODELS[table]
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
    if any(change.table not in ABOUT_PEOPLE for change in changes):
        await saw_event(session, at)
        metrics.saw_event(at)


class Written:
    """The keys a load touched in each of a rebuild's fresh tables, which nothing else
    writes: a key it never touched is not there, so only the others are looked up. A bitmap
    per table by the key's hash: false positives only (a key looked up in vain), in fixed
    memory however many rows (4 MiB a table; at a million rows 3% of the new keys are
    looked up). A table that held rows already when the load began (of another stream) has
    every key looked up."""

    BITS = 1 << 25

    def __init__(self) -> None:
        self._bitmaps: dict[Table, bytearray] = {}

    async def begin(self, connection: asyncpg.Connection, schema: str, table: Table) -> None:
        """Start keeping ``table`` (once a load)."""
        if table in self._bitmaps:
            return
        filled = await connection.fetchval(f"SELECT EXISTS (SELECT FROM {schema}.{table})")  # noqa: S608
        self._bitmaps[table] = bytearray(b"\xff" if filled else b"\x00") * (self.BITS >> 3)

    def touch(self, table: Table, keys: Iterable[Any]) -> list[Any]:
        """Keep ``keys`` (distinct) as touched: gives those that may be in ``table`` already.
        One hash a key for both (a key touched but left unwritten, as a case without
        consent, is a false positive like any other)."""
        bitmap, mask, maybe = self._bitmaps[table], self.BITS - 1, []
        for key in keys:
            h = hash(key) & mask
            at, bit = h >> 3, 1 << (h & 7)
            if bitmap[at] & bit:
                maybe.append(key)
            else:
                bitmap[at] |= bit
        return maybe


async def load(
    connection: asyncpg.Connection, schema: str, changes: Sequence[Change], written: Written
) -> None:
    """Apply ``changes`` (in order) to the tables of ``schema`` that a rebuild fills and
    nothing else writes (so no lock): the same fold as :func:`project`, per table one read of
    the rows an earlier batch may have written (``written``), the new rows by ``COPY`` and
    the others by one upsert."""
    for table, table_changes in _by_table(changes):
        shape = _Shape.of(READ_MODELS[table])
        await written.begin(connection, schema, table)
        keys = written.touch(table, {change.key for change in table_changes})
        rows: dict[Any, Row] = {}
        if keys:
            found = await connection.fetch(shape.select.format(schema=schema), keys)
            rows = {row[shape.key]: dict(row) for row in found}
        changed = projection.apply_all(rows, table_changes)
        if rows:
            new = [shape.record(row, key) for key, row in changed.items() if key not in rows]
        else:  # (most batches of a rebuild)
            new = [shape.record(row, key) for key, row in changed.items()]
        if new:
            await connection.copy_records_to_table(
                table.value, records=new, columns=shape.columns, schema_name=schema
            )
        if len(new) < len(changed):
            await connection.executemany(
                shape.upsert.format(schema=schema),
                [shape.record(row, key) for key, row in changed.items() if key in rows],
            )


@dataclass(frozen=True, slots=True)
class _Shape:
    """How :func:`load` reads and writes one read model with asyncpg itself."""

    key: str
    columns: list[str]
    defaults: dict[str, Any]
    pick: Callable[[dict[str, Any]], tuple[Any, ...]]  # a row's columns in order
    jsonb: tuple[str, ...]  # the JSONB ones
    select: str
    upsert: str

    @classmethod
    @cache
    def of(cls, model: Any) -> _Shape:
        table = model.__table__
        (key,) = (c.name for c in table.primary_key.columns)
        columns = [c.name for c in table.columns]
        names = ", ".join(f'"{c}"' for c in columns)
        updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c != key)
        values = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        into = f"{{schema}}.{table.name}"  # the names are ours, never input
        return cls(
            key=key, columns=columns, defaults=_defaults(model), pick=itemgetter(*columns),
            jsonb=tuple(c.name for c in table.columns if isinstance(c.type, JSONB)),
            select=f'SELECT * FROM {into} WHERE "{key}" = ANY($1)',  # noqa: S608
            upsert=f"INSERT INTO {into} ({names}) VALUES ({values}) "  # noqa: S608
            f'ON CONFLICT ("{key}") DO UPDATE SET {updates}',
        )  # fmt: skip

    def record(self, row: dict[str, Any], key: Any) -> tuple[Any, ...]:
        """The row as the table's columns in order (a tombstone's missing ones by default)."""
        full = self.defaults | row
        full[self.key] = key
        for name in self.jsonb:
            full[name] = _json(full[name])
        return self.pick(full)


def _json(value: Any) -> str:
    # The driver takes JSONB as text (the engine's codec). A read model's JSON values are
    # small flat dicts (per column its revision, per role a count) with few distinct
    # contents, so each content is encoded once.
    return _encoded(tuple(value.items()))


@lru_cache(maxsize=4096)
def _encoded(items: tuple[tuple[str, Any], ...]) -> str:
    return json.dumps(dict(items))


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


_TOUR_VERSION = text("SELECT last_event_at, xmin::text FROM rm_state WHERE id = 1")


async def tour_version(session: AsyncSession) -> tuple[datetime | None, str | None]:
    """When the newest tour event happened, and the version of the row that says so (its
    ``xmin``): every batch of tour changes writes that row again, also a late revision that
    leaves the moment as it was, and a rebuild swaps in a new row. The tour's read models
    change only then, so the figures computed for one version stay right for it."""
    row = (await session.execute(_TOUR_VERSION)).first()
    if row is None:
        return None, None
    if row[0] is not None:
        metrics.saw_event(row[0])
    return row[0], row[1]


async def last_event_at(session: AsyncSession) -> datetime | None:
    row = await session.get(RmState, 1)
    if row is None or row.last_event_at is None:
        return None
    metrics.saw_event(row.last_event_at)
    return row.last_event_at
