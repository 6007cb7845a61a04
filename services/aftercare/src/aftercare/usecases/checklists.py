"""The checklists of the case page (:mod:`aftercare.domain.checklist`): read them, and the
coordinator replaces a stage's list (audited, with who and when) or brings the default back."""

from __future__ import annotations

from datetime import UTC, datetime

from ontour.application.errors import Forbidden
from ontour.application.unit_of_work import unit_of_work
from ontour.audit import Caller
from ontour.auth.principal import Role
from ontour.db import Sessions
from sqlmodel import select

from aftercare.domain.checklist import checklist, items_of
from aftercare.domain.vocabulary import CaseStatus
from aftercare.models import ChecklistRow


async def overrides(sessions: Sessions) -> dict[str, ChecklistRow]:
    """The coordinator's own lists, by stage."""
    async with sessions() as session:
        return {row.stage: row for row in (await session.exec(select(ChecklistRow))).all()}


async def checklist_of(sessions: Sessions, stage: CaseStatus) -> tuple[str, ...]:
    """What the peer can offer at ``stage``."""
    async with sessions() as session:
        row = await session.get(ChecklistRow, stage.value)
    return checklist(stage, {stage.value: row.items} if row else {})


async def change_checklist(
    sessions: Sessions, caller: Caller, stage: CaseStatus, text: str
) -> None:
    """The coordinator's own list for ``stage`` (one item per line); empty: the default."""
    if not caller.signed_in.has(Role.COORDINATOR):
        raise Forbidden("Alleen de coördinator past de checklists aan.")
    items = items_of(text)
    async with unit_of_work(sessions, caller) as work:
        row = await work.session.get(ChecklistRow, stage.value, with_for_update=True)
        if row is not None:
            await work.session.delete(row)
            await work.session.flush()
        if items:
            work.session.add(ChecklistRow(stage=stage.value, items=list(items),
                                          changed_by=caller.signed_in.subject,
                                          changed_at=datetime.now(UTC)))  # fmt: skip
        await work.audit("checklist wijzigen", "checklist", stage.value)
