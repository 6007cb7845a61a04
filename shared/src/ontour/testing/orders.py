"""Messages as a broker may hand them to consumers: in any order, some more than once.

For the property tests that a consumer converges: whatever :func:`any_order` draws, delivered
through the consumer's real path, must give the rows the messages give in order. A pass over
the same events again needs them under new ids (:func:`anew`), or the inbox drops them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from ontour.db import create_engine, ensure_database, migrate, session_factory
from ontour.events import CloudEvent


def anew(messages: list[CloudEvent]) -> list[CloudEvent]:
    """The same events under new ids: what a consumer's inbox has not seen yet."""
    return [m.model_copy(update={"id": uuid.uuid4()}) for m in messages]


@st.composite
def any_order(draw: st.DrawFn, messages: list[CloudEvent]) -> list[CloudEvent]:
    """``messages`` permuted, then up to three of them again: as the same message (a
    redelivery, which the inbox drops) or as the same event under a new id (published twice,
    which the handler itself must shrug off)."""
    shuffled = draw(st.permutations(messages))
    again = draw(st.lists(st.sampled_from(messages), max_size=3)) if messages else []
    return [*shuffled, *(m if draw(st.booleans()) else anew([m])[0] for m in again)]


@asynccontextmanager
async def migrated(url: str, migrations: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a new database at ``url`` with a service's migrations applied."""
    await ensure_database(url)
    engine = create_engine(url, pool_size=2)
    await migrate(engine, migrations)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
