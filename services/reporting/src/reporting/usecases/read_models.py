"""Events into the read models: what the live consumers and a rebuild both do.

What an event changes is decided in :mod:`reporting.domain.projection`; here the changes are
applied (:func:`reporting.repository.project`, idempotent and converging in any order) in the
caller's transaction: the consumer's, with its inbox row, or the rebuild's batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ontour.events import EventData
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting import repository
from reporting.domain.projection import changes_of


async def project(session: AsyncSession, events: Sequence[tuple[EventData, datetime]]) -> None:
    """Apply ``events`` (each with its time, in order) and move "bijgewerkt tot" to the
    newest of them."""
    if not events:
        return
    changes = [change for data, at in events for change in changes_of(data, at)]
    await repository.project(session, changes, max(at for _, at in events))
