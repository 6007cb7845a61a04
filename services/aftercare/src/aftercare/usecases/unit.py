"""The unit of work of a use case, and the ways a use case says no."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ontour import audit
from ontour.db import transaction
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request


class NotFound(LookupError):
    """What was asked for does not exist (the Dutch message says what)."""


class VersionConflict(Exception):
    def __init__(self, current: int) -> None:
        super().__init__(f"current version is {current}")
        self.current = current


class Refused(ValueError):
    """A step the rules refuse (Dutch reason)."""


@asynccontextmanager
async def audited(
    sessions: async_sessionmaker[AsyncSession],
    request: Request,
    action: str,
    object_type: str,
    object_id: str,
) -> AsyncIterator[AsyncSession]:
    """One transaction for a change, its outbox rows and its audit record: the record is
    written only when the change went through, and commits with it."""
    async with transaction(sessions) as session:
        yield session
        await audit.record(session, request, action, object_type, object_id)
