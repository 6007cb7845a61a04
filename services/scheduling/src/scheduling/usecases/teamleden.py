"""Teamleden: a new teamlid, their availability (kept by themself or a coordinator) and the
secret address of their calendar feed."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from ontour import audit
from ontour.auth.access import require
from ontour.auth.principal import Principal, Role
from ontour.db import transaction
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request

from scheduling import repository
from scheduling.models import CalendarToken, TeamlidRow
from scheduling.usecases.unit import NotFound, Refused, as_expected

MISSING = "Dit teamlid bestaat niet."


async def create(
    database: async_sessionmaker[AsyncSession], request: Request, values: dict[str, Any]
) -> TeamlidRow:
    async with transaction(database) as db:
        if await repository.get_teamlid(db, values["id"]) is not None:
            raise Refused(f"Er is al een teamlid met id {values['id']}.")
        row = TeamlidRow(**values)
        db.add(row)
        await db.flush()
        await audit.record(db, request, "aanmaken", "teamlid", row.id)
        await db.refresh(row)
    return row


async def set_availability(
    database: async_sessionmaker[AsyncSession],
    request: Request,
    teamlid_id: str,
    values: dict[str, Any],
    *,
    expected_version: int,
) -> TeamlidRow:
    """Replace the availability fields in ``values`` (the caller's rights are checked)."""
    async with transaction(database) as db:
        found = await repository.get_teamlid(db, teamlid_id, for_update=True)
        row = as_expected(found, expected_version, MISSING)
        await repository.update_teamlid(db, row, **values)
        await audit.record(db, request, "wijzigen", "beschikbaarheid", teamlid_id)
        await db.refresh(row)
    return row


def token_hash(token: str) -> str:
    """Only the hash of a feed's secret address is stored: a leaked table opens no feed."""
    return hashlib.sha256(token.encode()).hexdigest()


async def _own_feed(db: AsyncSession, principal: Principal, teamlid_id: str) -> None:
    """The teamlid exists (NotFound) and the caller is them or a coordinator (403)."""
    if await repository.get_teamlid(db, teamlid_id) is None:
        raise NotFound(MISSING)
    require(
        principal,
        principal.has(Role.COORDINATOR) or principal.subject == teamlid_id,
        reason="U beheert alleen uw eigen agendafeed.",
    )


async def new_feed(
    database: async_sessionmaker[AsyncSession],
    request: Request,
    principal: Principal,
    teamlid_id: str,
) -> str:
    """A new secret feed token for the teamlid (older addresses stop working)."""
    token = secrets.token_urlsafe(32)
    async with transaction(database) as db:
        await _own_feed(db, principal, teamlid_id)
        await repository.delete_feed_tokens(db, teamlid_id)
        db.add(CalendarToken(token_hash=token_hash(token), teamlid_id=teamlid_id))
        await audit.record(db, request, "aanmaken", "agendafeed", teamlid_id)
    return token


async def revoke_feed(
    database: async_sessionmaker[AsyncSession],
    request: Request,
    principal: Principal,
    teamlid_id: str,
) -> None:
    async with transaction(database) as db:
        await _own_feed(db, principal, teamlid_id)
        await repository.delete_feed_tokens(db, teamlid_id)
        await audit.record(db, request, "intrekken", "agendafeed", teamlid_id)
