"""Database set-up as replicas starting together meet it."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from ontour.db import asyncpg_dsn, create_engine, ensure_database, migrate
from ontour.testing.plugin import eventually
from sqlalchemy import text


async def test_replicas_starting_together_each_find_their_database(database_url) -> None:
    # The development default and the tests create the database on start: two replicas of a
    # service start at once, and the one that finds it created meanwhile must not fail.
    url = database_url("replicas")
    await asyncio.gather(*(ensure_database(url) for _ in range(6)))
    conn = await asyncpg.connect(asyncpg_dsn(url))
    await conn.close()


async def test_a_connection_the_server_closed_is_not_handed_out_again(database_url) -> None:
    # The pool keeps connections; when the server ends them (a restart, an administrator's
    # pg_terminate_backend), the next unit of work gets a new one instead of an error.
    url = database_url("closed")
    await ensure_database(url)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            pooled = (await conn.get_raw_connection()).driver_connection
        admin = await asyncpg.connect(asyncpg_dsn(url))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        await eventually(lambda: _closed(pooled))  # a wait, not the claim
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one() != pid
    finally:
        await engine.dispose()


async def _closed(connection: asyncpg.Connection) -> bool:
    return connection.is_closed()


async def test_a_start_at_the_newest_revision_leaves_alembic_alone(database_url, monkeypatch):
    from alembic import command
    from intake.app import service as intake

    url = database_url()
    await ensure_database(url)
    engine = create_engine(url)
    try:
        await migrate(engine, intake.migrations)  # a new database: every migration
        async with engine.connect() as conn:
            head = await conn.scalar(text("SELECT version_num FROM alembic_version"))
        assert head is not None

        def upgrade(*_: object) -> None:
            raise AssertionError("Alembic ran on a database at its newest revision")

        monkeypatch.setattr(command, "upgrade", upgrade)
        await migrate(engine, intake.migrations)  # the next start

        async with engine.begin() as conn:  # one revision behind: Alembic runs again
            await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        with pytest.raises(AssertionError, match="Alembic ran"):
            await migrate(engine, intake.migrations)
    finally:
        await engine.dispose()
