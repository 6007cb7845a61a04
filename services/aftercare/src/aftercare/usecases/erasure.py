"""Erasing cases (on request, and at the end of retention) and rewrapping their keys.

A case is erased by destroying its key (crypto-shredding, so a backup made before cannot be
read either) and deleting its row, leaving a tombstone (id, reference, when, why). The
erasure event still tells reporting, under the statistics id; after that the database
keeps nothing that names that id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ontour.contracts.aftercare import NazorgGewist
from ontour.crypto import FieldCipher
from ontour.db import transaction
from ontour.messaging.outbox import enqueue
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request

from aftercare import repository
from aftercare.domain.moments import months_before
from aftercare.domain.vocabulary import ErasureReason
from aftercare.keystore import CaseKeys
from aftercare.models import CaseRow
from aftercare.usecases.cases import AUDITED, Erased, Sessions, event, locked
from aftercare.usecases.unit import audited


async def _erase(
    session: AsyncSession, keys: CaseKeys, row: CaseRow, reason: ErasureReason
) -> None:
    now = datetime.now(UTC)
    await keys.destroy(row.id)
    await enqueue(session, event(NazorgGewist, row, now))
    await repository.forget_events(session, row.statistics_id)
    await repository.bury(session, row, now, reason)


async def erase_on_request(
    sessions: Sessions,
    request: Request,
    keys: CaseKeys,
    case_id: uuid.UUID,
    expected_version: int | None,
) -> None:
    """Erase a case on the requester's request (again: nothing to do)."""
    async with audited(sessions, request, "wissen", AUDITED, str(case_id)) as session:
        try:
            row = await locked(session, case_id, expected_version)
        except Erased:
            return  # erased before: nothing is left to erase
        await _erase(session, keys, row, ErasureReason.ON_REQUEST)


async def erase_expired(sessions: Sessions, keys: CaseKeys, months: int, now: datetime) -> int:
    """Erase every case closed (or withdrawn) more than ``months`` ago; how many."""
    async with transaction(sessions) as session:
        rows = await repository.cases_closed_before(session, months_before(now, months))
        for row in rows:
            await _erase(session, keys, row, ErasureReason.END_OF_RETENTION)
    return len(rows)


async def rewrap_keys(sessions: Sessions, cipher: FieldCipher, keys: CaseKeys) -> int:
    """Wrap every case key again with the newest master key (after a master-key rotation);
    how many were rewrapped. The data itself is not touched."""
    async with sessions() as session:
        case_ids = await repository.case_ids(session)
    done = 0
    for case_id in case_ids:
        wrapped = await keys.get(case_id)
        if wrapped is not None:
            await keys.put(case_id, cipher.rewrap(wrapped))
            done += 1
    return done
