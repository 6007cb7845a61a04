"""Erasing cases (on request, and at the end of retention) and rewrapping their keys.

A case is erased by destroying its key (crypto-shredding, so a backup made before cannot be
read either) and deleting its row, leaving a tombstone (id, reference, when, why). The
erasure event still tells reporting, under the statistics id; after that the database
keeps nothing that names that id.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ontour.application.unit_of_work import UnitOfWork, unit_of_work
from ontour.audit import Caller
from ontour.contracts.aftercare import NazorgGewist
from ontour.crypto import FieldCipher
from ontour.db import Sessions

from aftercare import repository
from aftercare.domain.moments import months_before
from aftercare.domain.vocabulary import ErasureReason
from aftercare.keystore import CaseKeys
from aftercare.models import CaseRow
from aftercare.usecases.cases import AUDITED, Erased, event, locked_case


async def _erase(work: UnitOfWork, keys: CaseKeys, row: CaseRow, reason: ErasureReason) -> None:
    now = datetime.now(UTC)
    await keys.destroy(row.id)
    work.enqueue(event(NazorgGewist, row, now))
    await repository.forget_events(work.session, row.statistics_id)
    await repository.bury(work.session, row, now, reason)


async def erase_on_request(
    sessions: Sessions,
    caller: Caller,
    keys: CaseKeys,
    case_id: uuid.UUID,
    expected_version: int | None,
) -> None:
    """Erase a case on the requester's request (again: nothing to do, and audited too)."""
    async with unit_of_work(sessions, caller) as work:
        await work.audit("wissen", AUDITED, str(case_id))
        try:
            row = await locked_case(work.session, case_id, expected_version)
        except Erased:
            return  # erased before: nothing is left to erase
        await _erase(work, keys, row, ErasureReason.ON_REQUEST)


async def erase_expired(sessions: Sessions, keys: CaseKeys, months: int, now: datetime) -> int:
    """Erase every case closed (or withdrawn) more than ``months`` ago; how many."""
    async with unit_of_work(sessions) as work:
        rows = await repository.cases_closed_before(work.session, months_before(now, months))
        for row in rows:
            await _erase(work, keys, row, ErasureReason.END_OF_RETENTION)
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
