"""Teamleden: a new teamlid, their profile and availability (kept by themself or a
coordinator), taking part in the planning or not, and the secret address of their calendar
feed."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from ontour.application.errors import Conflict, Forbidden, NotFound
from ontour.application.unit_of_work import UnitOfWork, locked, save, unit_of_work
from ontour.audit import Caller
from ontour.auth.principal import Role
from ontour.db import Sessions

from scheduling import repository
from scheduling.models import CalendarToken, TeamlidRow

MISSING = "Dit teamlid bestaat niet."


async def create(database: Sessions, caller: Caller, values: dict[str, Any]) -> TeamlidRow:
    async with unit_of_work(database, caller) as work:
        if await repository.get_teamlid(work.session, values["id"]) is not None:
            # In its own words: a shared Refused would answer "Dit kan niet: …".
            raise Conflict(f"Er is al een teamlid met id {values['id']}.")
        row = TeamlidRow(**values)
        work.session.add(row)
        await work.session.flush()
        await work.audit("aanmaken", "teamlid", row.id)
        await work.session.refresh(row)
    return row


async def team(database: Sessions, caller: Caller) -> list[TeamlidRow]:
    """Every teamlid's full profile (home, gender, availability): each read is audited."""
    async with unit_of_work(database, caller) as work:
        rows = await repository.teamleden(work.session)
        for row in rows:
            await work.audit("lezen", "teamlid", row.id)
    return rows


async def read(database: Sessions, caller: Caller, teamlid_id: str) -> TeamlidRow:
    """One teamlid's full profile, the read audited."""
    async with unit_of_work(database, caller) as work:
        row = await repository.get_teamlid(work.session, teamlid_id)
        if row is None:
            raise NotFound(MISSING)
        await work.audit("lezen", "teamlid", row.id)
    return row


async def update(
    database: Sessions,
    caller: Caller,
    teamlid_id: str,
    values: dict[str, Any],
    *,
    expected_version: int,
    audited_as: str = "teamlid",
    action: str = "wijzigen",
) -> TeamlidRow:
    """Replace the fields in ``values``: the profile, or only the availability (audited as
    "beschikbaarheid"; who may was checked with the request: that answer comes before the
    one about a missing version)."""
    async with unit_of_work(database, caller) as work:
        row = await locked(work.session, TeamlidRow, teamlid_id, expected_version, missing=MISSING)
        await save(work.session, row, **values)
        await work.audit(action, audited_as, teamlid_id)
        await work.session.refresh(row)
    return row


async def set_active(
    database: Sessions, caller: Caller, teamlid_id: str, active: bool, *, expected_version: int
) -> TeamlidRow:
    """Take a teamlid out of the planning (or back in); their sessions and history stay."""
    return await update(
        database, caller, teamlid_id, {"active": active}, expected_version=expected_version,
        action="activeren" if active else "deactiveren",
    )  # fmt: skip


def token_hash(token: str) -> str:
    """Only the hash of a feed's secret address is stored: a leaked table opens no feed."""
    return hashlib.sha256(token.encode()).hexdigest()


async def _own_feed(work: UnitOfWork, teamlid_id: str) -> None:
    """The teamlid exists (NotFound) and the caller is them or a coordinator (Forbidden)."""
    if await repository.get_teamlid(work.session, teamlid_id) is None:
        raise NotFound(MISSING)
    principal = work.caller.signed_in
    if not (principal.has(Role.COORDINATOR) or principal.subject == teamlid_id):
        raise Forbidden("U beheert alleen uw eigen agendafeed.")


async def new_feed(database: Sessions, caller: Caller, teamlid_id: str) -> str:
    """A new secret feed token for the teamlid (older addresses stop working)."""
    token = secrets.token_urlsafe(32)
    async with unit_of_work(database, caller) as work:
        await _own_feed(work, teamlid_id)
        await repository.delete_feed_tokens(work.session, teamlid_id)
        work.session.add(CalendarToken(token_hash=token_hash(token), teamlid_id=teamlid_id))
        await work.audit("aanmaken", "agendafeed", teamlid_id)
    return token


async def revoke_feed(database: Sessions, caller: Caller, teamlid_id: str) -> None:
    async with unit_of_work(database, caller) as work:
        await _own_feed(work, teamlid_id)
        await repository.delete_feed_tokens(work.session, teamlid_id)
        await work.audit("intrekken", "agendafeed", teamlid_id)
