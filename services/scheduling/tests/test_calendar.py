"""iCalendar feeds: stable UIDs, SEQUENCE on significant changes, cancellations, timezone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from scheduling.calendar_rows import entry_of, sequence_after
from scheduling.domain.calendar import (
    CalendarEntry,
    EntryStatus,
    build_event_ics,
    build_feed,
    next_sequence,
    session_uid,
)
from scheduling.models import SessionRow

GENERATED = datetime(2025, 9, 15, 8, 0, tzinfo=UTC)
UTRECHT = CalendarEntry(
    session_id="S-1",
    organisation_name="Gemeente Utrecht",
    start=datetime(2025, 10, 14, 19, 30),
    end=datetime(2025, 10, 14, 21, 30),
    location="Stadhuis Utrecht, raadzaal",
    team_names=("Anna de Boer", "Bert Smit"),
    last_modified=datetime(2025, 9, 1, 12, 0, tzinfo=UTC),
)
GRONINGEN = replace(
    UTRECHT,
    session_id="S-2",
    organisation_name="Gemeente Groningen",
    start=datetime(2025, 11, 3, 19, 0),
    end=datetime(2025, 11, 3, 21, 0),
    location="Stadhuis Groningen",
)


def revise(previous: CalendarEntry, **changes: Any) -> CalendarEntry:
    """What the service does on an update: apply the change, then decide the SEQUENCE."""
    current = replace(previous, **changes)
    return replace(current, sequence=next_sequence(previous, current))


def parse(feed: bytes) -> Calendar:
    return Calendar.from_ical(feed)


def events_by_uid(feed: bytes) -> dict[str, object]:
    return {str(event["UID"]): event for event in parse(feed).events}


def test_feed_has_publish_method_timezone_and_local_times() -> None:
    calendar = parse(build_feed([GRONINGEN, UTRECHT], generated_at=GENERATED))
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Amsterdam"]
    first, second = calendar.events
    assert str(first["UID"]) == "S-1@ontour.weerbaarbestuur.nl"  # ordered by start
    assert first["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert first.start == datetime(2025, 10, 14, 19, 30, tzinfo=first.start.tzinfo)
    assert str(first.start.tzinfo) == "Europe/Amsterdam"
    assert first.start.utcoffset().total_seconds() == 2 * 3600  # still summer time
    assert second.start.utcoffset().total_seconds() == 3600  # winter time
    assert str(first["SUMMARY"]) == "Sessie On Tour: Gemeente Utrecht"
    assert str(first["LOCATION"]) == "Stadhuis Utrecht, raadzaal"
    assert str(first["STATUS"]) == "CONFIRMED"
    assert first["DTSTAMP"].dt == GENERATED
    assert first["LAST-MODIFIED"].dt == UTRECHT.last_modified
    description = str(first["DESCRIPTION"])
    assert "Team: Anna de Boer en Bert Smit." in description
    assert "@" not in description


@pytest.mark.parametrize(
    "feed",
    [
        build_feed([UTRECHT, GRONINGEN], generated_at=GENERATED),
        build_feed([], generated_at=GENERATED),
        build_event_ics(UTRECHT, generated_at=GENERATED),
    ],
    ids=["feed", "empty feed", "single session"],
)
def test_every_feed_asks_to_be_reread_hourly(feed: bytes) -> None:
    lines = feed.decode().split("\r\n")
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines  # RFC 7986
    assert "X-PUBLISHED-TTL:PT1H" in lines  # Outlook and older apps
    calendar = parse(feed)
    assert calendar.refresh_interval == timedelta(hours=1)
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"


def test_aware_times_are_converted_to_amsterdam() -> None:
    entry = replace(
        UTRECHT,
        start=datetime(2025, 10, 14, 17, 30, tzinfo=UTC),
        end=datetime(2025, 10, 14, 19, 30, tzinfo=UTC),
    )
    (event,) = parse(build_event_ics(entry, generated_at=GENERATED)).events
    assert event.start.replace(tzinfo=None) == datetime(2025, 10, 14, 19, 30)
    assert str(event.start.tzinfo) == "Europe/Amsterdam"


def test_uid_is_stable_and_sequence_rises_on_a_change_of_time() -> None:
    before = events_by_uid(build_feed([UTRECHT], generated_at=GENERATED))
    moved = revise(
        UTRECHT, start=datetime(2025, 10, 15, 19, 30), end=datetime(2025, 10, 15, 21, 30)
    )
    after = events_by_uid(build_feed([moved], generated_at=GENERATED))
    assert before.keys() == after.keys() == {session_uid("S-1")}
    assert before[session_uid("S-1")]["SEQUENCE"] == 0
    assert after[session_uid("S-1")]["SEQUENCE"] == 1


def test_cancelled_session_stays_in_the_feed_with_a_raised_sequence() -> None:
    cancelled = revise(UTRECHT, status=EntryStatus.CANCELLED)
    events = events_by_uid(build_feed([cancelled, GRONINGEN], generated_at=GENERATED))
    event = events[session_uid("S-1")]
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert str(event["SUMMARY"]).startswith("Geannuleerd: ")
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert str(events[session_uid("S-2")]["STATUS"]) == "CONFIRMED"


@pytest.mark.parametrize(
    ("changes", "sequence"),
    [
        ({}, 3),
        ({"team_names": ("Anna de Boer", "Cor Jansen")}, 3),
        ({"last_modified": datetime(2025, 9, 20, tzinfo=UTC)}, 3),
        ({"start": datetime(2025, 10, 14, 20, 0)}, 4),
        ({"end": datetime(2025, 10, 14, 22, 0)}, 4),
        ({"location": "Stadskantoor Utrecht"}, 4),
        ({"status": EntryStatus.CANCELLED}, 4),
    ],
)
def test_next_sequence_rises_only_for_date_time_location_or_status(changes, sequence) -> None:
    previous = replace(UTRECHT, sequence=3)
    assert next_sequence(previous, replace(previous, **changes)) == sequence


def test_next_sequence_of_a_new_session_is_zero() -> None:
    assert next_sequence(None, replace(UTRECHT, sequence=7)) == 0


def test_same_wall_time_in_another_notation_is_no_change() -> None:
    aware = replace(
        UTRECHT,
        start=datetime(2025, 10, 14, 17, 30, tzinfo=UTC),
        end=datetime(2025, 10, 14, 19, 30, tzinfo=UTC),
    )
    assert next_sequence(UTRECHT, aware) == UTRECHT.sequence


def test_single_session_ics_has_one_event_with_the_feed_uid() -> None:
    calendar = parse(build_event_ics(UTRECHT, generated_at=GENERATED))
    (event,) = calendar.events
    assert str(event["UID"]) == session_uid("S-1")
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Amsterdam"]
    assert str(calendar["METHOD"]) == "PUBLISH"


def test_feed_output_is_deterministic_and_an_empty_feed_is_valid() -> None:
    assert build_feed([UTRECHT], generated_at=GENERATED) == build_feed(
        [UTRECHT], generated_at=GENERATED
    )
    empty = parse(build_feed([], generated_at=GENERATED))
    assert empty.events == [] and empty.timezones == []


def test_a_session_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="ends after it starts"):
        replace(UTRECHT, end=UTRECHT.start)


def session_row(**fields: Any) -> SessionRow:
    values: dict[str, Any] = {
        "request_id": "00000000-0000-4000-8000-000000000001",
        "organisation_code": "GM0344",
        "on": date(2025, 10, 14),
        "starts_at": time(19, 30),
        "ends_at": time(21, 30),
        "members": ["tom.teamlid"],
        "status": "bevestigd",
        "sequence": 3,
        **fields,
    }
    return SessionRow(**values)


@pytest.mark.parametrize(
    ("changes", "sequence"),
    [
        ({}, 3),
        ({"status": "bevestigd"}, 3),  # confirming: the feed shows it for the first time
        ({"status": "gehouden"}, 3),
        ({"on": date(2025, 10, 14), "location": None}, 3),
        ({"on": date(2025, 10, 15)}, 4),
        ({"starts_at": time(20, 0)}, 4),
        ({"ends_at": time(22, 0)}, 4),
        ({"location": "Stadskantoor Utrecht"}, 4),
        ({"status": "geannuleerd"}, 4),
    ],
)
def test_the_service_raises_the_sequence_by_the_tested_rule(changes, sequence) -> None:
    row = session_row(status="voorgesteld")
    assert sequence_after(row, **changes) == sequence
    entry = entry_of(row, organisation_name="Gemeente Utrecht")
    changed = entry_of(session_row(**{"status": "voorgesteld", **changes}),
                       organisation_name="Gemeente Utrecht")  # fmt: skip
    assert next_sequence(entry, changed) == sequence


def test_a_session_row_becomes_an_entry() -> None:
    entry = entry_of(
        session_row(status="geannuleerd"),
        organisation_name="Gemeente Utrecht",
        team_names=("Tom Bakker",),
    )
    assert entry.status is EntryStatus.CANCELLED
    assert entry.location == "Gemeente Utrecht"  # no location: at the organisation
    assert entry.start == datetime(2025, 10, 14, 19, 30) and entry.sequence == 3
