"""Follow-up actions (vervolgacties): who does what by when.

A coordinator manages all of them; a teamlid creates their own and changes the ones they
own. Finishing one (from the API or "mijn acties") shows on the organisation's timeline.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from ontour.application.errors import Forbidden, Refused
from ontour.application.unit_of_work import Caller, ensure_version, locked, save, unit_of_work
from ontour.auth.principal import Principal, Role
from ontour.db import Sessions

from intake import repository
from intake.models import FollowUp, TimelineEntry

MISSING = "Deze vervolgactie bestaat niet."


def _timeline(row: FollowUp, summary: str, actor: Principal) -> TimelineEntry:
    return TimelineEntry(
        organisation_code=row.organisation_code,
        kind="vervolgactie",
        summary=summary,
        actor=actor.display_name,
        object_id=str(row.id),
    )


async def create(
    sessions: Sessions,
    caller: Caller,
    *,
    organisation_code: str,
    description: str,
    owner: str,
    due_on: date | None,
    voorgesprek_id: uuid.UUID | None,
) -> FollowUp:
    actor = caller.signed_in
    if not actor.has(Role.COORDINATOR) and owner != actor.subject:
        raise Forbidden("Een teamlid maakt alleen eigen vervolgacties aan.")
    async with unit_of_work(sessions, caller) as work:
        if await repository.get_organisation(work.session, organisation_code) is None:
            raise Refused("deze organisatie bestaat niet", "organisation_code")
        if voorgesprek_id is not None:
            voorgesprek = await repository.get_voorgesprek(work.session, voorgesprek_id)
            if voorgesprek is None or voorgesprek.organisation_code != organisation_code:
                raise Refused("dit voorgesprek bestaat niet bij deze organisatie", "voorgesprek_id")
        row = FollowUp(
            organisation_code=organisation_code, voorgesprek_id=voorgesprek_id,
            description=description, owner=owner, due_on=due_on, created_by=actor.subject,
        )  # fmt: skip
        work.session.add(row)
        work.session.add(_timeline(row, "Vervolgactie toegevoegd", actor))
        await work.session.flush()
        await work.audit("aanmaken", "vervolgactie", str(row.id))
        await work.session.refresh(row)
    return row


async def change(
    sessions: Sessions,
    caller: Caller,
    follow_up_id: uuid.UUID,
    changed: dict[str, Any],
    *,
    expected_version: int,
) -> FollowUp:
    """Change the fields in ``changed``; ``done`` (True or False) finishes it (keeping when
    it first was) or opens it again. Only a coordinator gives an action to someone else."""
    actor = caller.signed_in
    async with unit_of_work(sessions, caller) as work:
        row = await locked(work.session, FollowUp, follow_up_id, None, missing=MISSING)
        if not (actor.has(Role.COORDINATOR) or row.owner == actor.subject):
            raise Forbidden("U kunt alleen uw eigen vervolgacties wijzigen.")
        ensure_version(row, expected_version)
        values = dict(changed)
        if "owner" in values and not actor.has(Role.COORDINATOR) and values["owner"] != row.owner:
            raise Forbidden("Alleen de coördinator geeft een actie aan een ander.")
        done = values.pop("done", None)
        if done is not None:
            values["done_at"] = (row.done_at or datetime.now(UTC)) if done else None
        # Decided before the write: the ORM writes the new values into ``row`` as it runs.
        finishing = values.get("done_at") is not None and row.done_at is None
        await save(work.session, row, **values)
        if finishing:
            work.session.add(_timeline(row, "Vervolgactie afgerond", actor))
        await work.audit("wijzigen", "vervolgactie", str(follow_up_id))
        await work.session.refresh(row)
    return row


async def finish(
    sessions: Sessions, caller: Caller, follow_up_id: uuid.UUID, *, expected_version: int
) -> FollowUp:
    """Mark an action done ("mijn acties" and the API's ``done: true`` alike)."""
    return await change(
        sessions, caller, follow_up_id, {"done": True}, expected_version=expected_version
    )
