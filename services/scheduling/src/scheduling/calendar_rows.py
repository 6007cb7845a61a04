"""Session rows as calendar entries, and the SEQUENCE rule applied to a row's change.

The rule itself is :func:`scheduling.domain.calendar.next_sequence` (tested there); every
change of a session decides its new SEQUENCE through :func:`sequence_after`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

from scheduling.domain.calendar import CalendarEntry, EntryStatus, next_sequence
from scheduling.models import SessionRow


def entry_of(
    row: SessionRow, *, organisation_name: str, team_names: tuple[str, ...] = ()
) -> CalendarEntry:
    """The row as it appears in a feed (a session without a location is "at the
    organisation")."""
    return CalendarEntry(
        session_id=str(row.id),
        organisation_name=organisation_name,
        start=datetime.combine(row.on, row.starts_at),
        end=datetime.combine(row.on, row.ends_at),
        location=row.location or organisation_name,
        team_names=team_names,
        last_modified=row.updated_at,
        status=_entry_status(row.status),
        sequence=row.sequence,
    )


def sequence_after(
    row: SessionRow,
    *,
    on: date | None = None,
    starts_at: time | None = None,
    ends_at: time | None = None,
    location: str | None = None,
    status: str | None = None,
) -> int:
    """The row's SEQUENCE once the given fields change (None: unchanged)."""
    previous = entry_of(row, organisation_name="")
    day = on or row.on
    current = replace(
        previous,
        start=datetime.combine(day, starts_at or row.starts_at),
        end=datetime.combine(day, ends_at or row.ends_at),
        location=location if location is not None else previous.location,
        status=_entry_status(status or row.status),
    )
    return next_sequence(previous, current)


def _entry_status(status: str) -> EntryStatus:
    return EntryStatus.CANCELLED if status == "geannuleerd" else EntryStatus.CONFIRMED
