"""Which errors mean that PostgreSQL or NATS is away for a moment (a restart, a fail-over)
rather than that something is wrong: the caller may try again (HTTP 503, Retry-After)."""

from __future__ import annotations

import asyncpg
import nats.errors
import nats.js.errors
import sqlalchemy.exc

DATABASE = "de database"
BROKER = "het berichtensysteem"

# The exception types under which every outage error below falls (for exception handlers).
OUTAGE_BASES: tuple[type[Exception], ...] = (
    sqlalchemy.exc.DBAPIError,
    sqlalchemy.exc.TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    nats.errors.Error,
    OSError,
)

_DATABASE_AWAY: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError,  # class 08: the connection failed or broke
    asyncpg.CannotConnectNowError,  # starting up, shutting down, recovering
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    sqlalchemy.exc.TimeoutError,  # no connection free in the pool in time
)
_BROKER_AWAY: tuple[type[BaseException], ...] = (
    nats.errors.TimeoutError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.ConnectionDrainingError,
    nats.errors.NoServersError,
    nats.errors.NoRespondersError,
    nats.errors.StaleConnectionError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.FlushTimeoutError,
    nats.js.errors.ServiceUnavailableError,
)


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it wraps: SQLAlchemy's ``orig`` and the driver's ``__cause__``."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = getattr(current, "orig", None) or current.__cause__
    return chain


def unavailable_part(error: BaseException) -> str | None:
    """``DATABASE`` or ``BROKER`` when ``error`` means that part cannot be reached, else None."""
    for cause in _causes(error):
        if isinstance(cause, _BROKER_AWAY):
            return BROKER
        if isinstance(cause, _DATABASE_AWAY):
            return DATABASE
        if isinstance(cause, sqlalchemy.exc.DBAPIError) and cause.connection_invalidated:
            return DATABASE
    # Refused or timed out while connecting to PostgreSQL (asyncpg raises the OS's error).
    if isinstance(error, (ConnectionError, TimeoutError)):
        return DATABASE
    return None
