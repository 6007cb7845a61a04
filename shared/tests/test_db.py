"""Database set-up as replicas starting together meet it."""

from __future__ import annotations

import asyncio

import asyncpg
from ontour.db import asyncpg_dsn, ensure_database


async def test_replicas_starting_together_each_find_their_database(database_url) -> None:
    # The development default and the tests create the database on start: two replicas of a
    # service start at once, and the one that finds it created meanwhile must not fail.
    url = database_url("replicas")
    await asyncio.gather(*(ensure_database(url) for _ in range(6)))
    conn = await asyncpg.connect(asyncpg_dsn(url))
    await conn.close()
