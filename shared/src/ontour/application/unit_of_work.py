"""One unit of work for every use case: its state change, its audit record and its events
commit together or not at all.

The versioned write is the same everywhere (optimistic concurrency): :func:`locked` takes
the row with ``FOR UPDATE`` and refuses a stale version, :func:`save` writes the change with
the next version. Events are collected with :meth:`UnitOfWork.enqueue` and written to the
outbox in one statement when the work completes, inside the same transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy import and_, inspect, update
from sqlmodel.ext.asyncio.session import AsyncSession

from ontour import audit
from ontour.application.errors import NotFound, VersionConflict
from ontour.audit import Caller
from ontour.db import Sessions, utc_now
from ontour.events import EventData
from ontour.messaging.outbox import enqueue_many


class Versioned(Protocol):
    version: int


R = TypeVar("R", bound=Versioned)


INTERNAL = Caller()
"""The service itself (an event consumer, a job at start-up): no one signed in."""


@dataclass
class UnitOfWork:
    """The open transaction of one use case (``session``) and what it will announce."""

    session: AsyncSession
    caller: Caller = INTERNAL
    _events: list[EventData] = field(default_factory=list)

    def enqueue(self, *events: EventData | None) -> None:
        """Announce these events when the work commits (None: a step that changed nothing)."""
        self._events.extend(event for event in events if event is not None)

    async def audit(
        self, action: str, object_type: str, object_id: str, details: dict[str, Any] | None = None
    ) -> None:
        """Record in the audit trail that the caller did this (commits with the change)."""
        await audit.record(
            self.session, self.caller, action, object_type, object_id, details=details
        )

    async def _complete(self) -> None:
        events, self._events = self._events, []
        await enqueue_many(self.session, events)


@asynccontextmanager
async def unit_of_work(sessions: Sessions, caller: Caller = INTERNAL) -> AsyncIterator[UnitOfWork]:
    """A transaction of its own: commits the change, audit and events when the block ends
    normally, rolls all of it back when it raises."""
    async with sessions() as session, session.begin(), unit_of_work_in(session, caller) as work:
        yield work


@asynccontextmanager
async def unit_of_work_in(
    session: AsyncSession, caller: Caller = INTERNAL
) -> AsyncIterator[UnitOfWork]:
    """A unit of work in a transaction someone else owns and commits: an event consumer's,
    which stores its inbox row in the same transaction."""
    work = UnitOfWork(session, caller)
    yield work
    await work._complete()


async def locked(
    session: AsyncSession,
    model: type[R],
    key: Any,
    expected_version: int | None,
    *,
    missing: str = "Deze bron bestaat niet.",
) -> R:
    """The row ``key`` of ``model``, locked until the transaction ends.

    Raises :class:`NotFound` (``missing`` says what, in Dutch) and, when ``expected_version``
    is given and no longer the current one, :class:`VersionConflict`.
    """
    # populate_existing: a row this session read before is read again, now under the lock.
    row = await session.get(model, key, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(missing)
    if expected_version is not None:
        ensure_version(row, expected_version)
    return row


def ensure_version(row: Versioned, expected_version: int) -> None:
    """Refuse a change based on another version than the row's (:class:`VersionConflict`);
    for a use case that checks who may change the row before it checks the version."""
    if row.version != expected_version:
        raise VersionConflict(row.version)


async def save(session: AsyncSession, row: Versioned, **values: Any) -> int:
    """Write ``values`` to a locked row with the next version (and ``updated_at`` now, when
    the table has that column); the new version."""
    mapper = inspect(type(row))
    version = row.version + 1
    if "updated_at" in mapper.columns and "updated_at" not in values:
        values["updated_at"] = utc_now()
    identity = zip(mapper.primary_key, mapper.primary_key_from_instance(row), strict=True)
    await session.execute(
        update(type(row))
        .where(and_(*(column == value for column, value in identity)))
        .values(**values, version=version)
    )
    return version
