"""Changing an organisation in the register, announced the same way whichever door it came in by.

The yearly register import, a voorgesprek (the tour status it leads to), a session in
scheduling and a coordinator by hand all change organisations through here, in the caller's
transaction. Every ``organisatie.gewijzigd`` intake emits is built by :func:`changed` from the
row as it is after the change, so each one carries the organisation's current
``not_published``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ontour.contracts.intake import OrganisatieGewijzigd, OrganisatieVeld, TourStatus
from sqlmodel.ext.asyncio.session import AsyncSession

from intake import repository
from intake.models import OrganisationRow, TimelineEntry


def changed(row: OrganisationRow, fields: Iterable[str]) -> OrganisatieGewijzigd:
    """The event announcing that ``fields`` changed, from the row as it is now."""
    names = [OrganisatieVeld(name) for name in fields]
    return OrganisatieGewijzigd(
        organisation_code=row.cbs_code,
        changed_fields=names,
        valid_until=row.valid_until,
        successor_code=row.successor_code,
        tour_status=TourStatus(row.tour_status) if OrganisatieVeld.TOUR_STATUS in names else None,
        not_published=row.not_published,
    )


async def update(
    session: AsyncSession, cbs_code: str, values: Mapping[str, Any]
) -> OrganisatieGewijzigd:
    """Write ``values`` (column: value, bumping the version); the event that announces it.

    The caller enqueues the event (alone, or with the others of its transaction).
    """
    return changed(await repository.update_organisation(session, cbs_code, values), values)


async def change(
    session: AsyncSession,
    cbs_code: str,
    values: Mapping[str, Any],
    *,
    kind: str,
    summary: str,
    actor: str | None,
    object_id: str | None = None,
) -> OrganisatieGewijzigd:
    """:func:`update` with an entry on the organisation's timeline (no personal data)."""
    session.add(
        TimelineEntry(
            organisation_code=cbs_code, kind=kind, summary=summary, actor=actor, object_id=object_id
        )
    )
    return await update(session, cbs_code, values)


async def set_tour_status_by_hand(
    session: AsyncSession, row: OrganisationRow, status: TourStatus, *, actor: str
) -> OrganisatieGewijzigd | None:
    """A coordinator sets the tour status of a locked organisation; the event, or None when
    it already was so."""
    if row.tour_status == status:
        return None
    return await change(
        session,
        row.cbs_code,
        {"tour_status": status.value},
        kind="tourstatus",
        summary=f"Tourstatus met de hand gezet: {status.value}",
        actor=actor,
        object_id=row.cbs_code,
    )


def _publication(not_published: bool) -> str:
    return "niet publiceren" if not_published else "publiceren"


async def set_not_published(
    session: AsyncSession,
    row: OrganisationRow,
    not_published: bool,
    *,
    note: str | None,
    actor: str,
) -> OrganisatieGewijzigd | None:
    """Set or clear "niet publiceren" of a locked organisation; its timeline keeps who, when,
    from what to what (and the note). The event, or None when the flag already was so."""
    if row.not_published == not_published:
        return None
    summary = f"Publicatie: {_publication(row.not_published)} → {_publication(not_published)}"
    return await change(
        session,
        row.cbs_code,
        {"not_published": not_published},
        kind="publicatie",
        summary=f"{summary} ({note})" if note else summary,
        actor=actor,
        object_id=row.cbs_code,
    )
