"""Peer profiles (kept by the coordinator) and the proposal for all waiting cases at once."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from ontour.application.errors import Forbidden, NotFound
from ontour.application.unit_of_work import locked, save, unit_of_work
from ontour.audit import Caller
from ontour.auth.principal import Role
from ontour.db import Sessions
from sqlmodel.ext.asyncio.session import AsyncSession

from aftercare import repository
from aftercare.domain.assignment import assign_batch
from aftercare.domain.matching import PeerProfile
from aftercare.models import PeerRow

AUDITED = "peer"  # the object type of a peer profile in the audit log
MISSING = "Deze peer bestaat niet."


class Taken(Exception):
    """A profile with this id exists already."""


async def _with_load(session: AsyncSession, rows: Sequence[PeerRow]) -> list[tuple[PeerRow, int]]:
    """Each profile with the number of open cases the peer carries."""
    load = {p.peer_id: p.active_cases for p in await repository.peers_with_load(session)}
    return [(row, load.get(row.id, 0)) for row in rows]


async def peers(sessions: Sessions) -> list[tuple[PeerRow, int]]:
    """Every profile by name, with its load."""
    async with sessions() as session:
        return await _with_load(session, await repository.peers_by_name(session))


async def profiles(sessions: Sessions) -> list[PeerProfile]:
    """Every peer as matching sees them (with their load)."""
    async with sessions() as session:
        return await repository.peers_with_load(session)


async def peer(sessions: Sessions, caller: Caller, peer_id: str) -> tuple[PeerRow, int]:
    """One profile, for a coordinator or the peer themself."""
    viewer = caller.signed_in
    async with sessions() as session:
        row = await repository.get_peer(session, peer_id)
        if row is None:
            raise NotFound(MISSING)
        if not (viewer.has(Role.COORDINATOR) or viewer.subject == peer_id):
            raise Forbidden()
        return (await _with_load(session, [row]))[0]


async def profile_to_change(sessions: Sessions, caller: Caller, peer_id: str) -> PeerRow | None:
    """The profile for the coordinator's form (None: not a peer yet), the read audited."""
    async with unit_of_work(sessions, caller) as work:
        row = await repository.get_peer(work.session, peer_id)
        if row is not None:
            await work.audit("lezen", AUDITED, peer_id)
    return row


async def create_peer(
    sessions: Sessions, caller: Caller, profile: Mapping[str, Any]
) -> tuple[PeerRow, int]:
    """A new profile, with its load."""
    peer_id = str(profile["id"])
    async with unit_of_work(sessions, caller) as work:
        if await repository.get_peer(work.session, peer_id) is not None:
            raise Taken(peer_id)
        row = PeerRow(**profile)
        await repository.add_peer(work.session, row)
        await work.audit("aanmaken", AUDITED, peer_id)
        return (await _with_load(work.session, [row]))[0]


async def update_peer(
    sessions: Sessions,
    caller: Caller,
    peer_id: str,
    values: Mapping[str, Any],
    *,
    expected_version: int,
) -> tuple[PeerRow, int]:
    """Change a profile (capacity, availability, experience), based on the version given."""
    async with unit_of_work(sessions, caller) as work:
        row = await locked(work.session, PeerRow, peer_id, expected_version, missing=MISSING)
        await save(work.session, row, **values)
        await work.audit("wijzigen", AUDITED, peer_id)
        await work.session.refresh(row)
        return (await _with_load(work.session, [row]))[0]


async def batch_proposal(sessions: Sessions) -> dict[uuid.UUID, str | None]:
    """The optimal peer for every waiting case together (min-cost assignment): when
    capacity is scarce, whoever waited longest is served first."""
    async with sessions() as session:
        waiting = await repository.waiting_cases(session)
        profiles = await repository.peers_with_load(session)
    chosen = assign_batch([repository.match_request(row) for row in waiting], profiles)
    return {row.id: chosen.get(str(row.id)) for row in waiting}
