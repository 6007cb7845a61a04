"""Scheduling's ``requests`` consumer converges in any order: every permutation of one session
request's or organisation's events, with duplicates (a redelivery, two replicas sharing the
durable), gives through the real handlers on PostgreSQL the rows the events give in order."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ontour.contracts.intake import (
    OrganisatieGeregistreerd,
    OrganisatieGewijzigd,
    OrganisatieSoort,
    SessieverzoekIngediend,
    SessieverzoekIngetrokken,
)
from ontour.events import CloudEvent, EventData
from ontour.testing.delivery import deliver
from ontour.testing.orders import anew, any_order, migrated
from scheduling import repository
from scheduling.app import service as scheduling
from scheduling.handlers import requests
from scheduling.models import OrganisationRow, SessionRequestRow
from sqlalchemy import delete, select

AT = datetime(2025, 3, 1, 9, tzinfo=UTC)
days = st.dates(date(2025, 1, 1), date(2025, 12, 31))
CODE = "GM0344"


@st.composite
def request_story(draw: st.DrawFn) -> list[EventData]:
    """A request submitted, changed, withdrawn and submitted again: revisions 1, 2, …"""
    common = {"request_id": uuid.uuid4(), "organisation_code": CODE}
    events: list[EventData] = []
    for revision in range(1, draw(st.integers(1, 5)) + 1):
        if revision > 1 and draw(st.booleans()):
            events.append(SessieverzoekIngetrokken(**common, revision=revision))
            continue
        events.append(
            SessieverzoekIngediend(
                **common,
                voorgesprek_id=common["request_id"],
                revision=revision,
                requested_on=draw(days),
                expected_participants=draw(st.none() | st.integers(0, 50)),
                preferred_weekdays=draw(
                    st.lists(st.sampled_from(["maandag", "dinsdag"]), unique=True)
                ),
                college_takes_part=draw(st.booleans()),
            )
        )
    return events


@st.composite
def organisation_story(draw: st.DrawFn) -> list[EventData]:
    code = f"GM{draw(st.integers(1000, 9999))}"
    events: list[EventData] = [
        OrganisatieGeregistreerd(
            organisation_code=code,
            kind=OrganisatieSoort.GEMEENTE,
            province_code="PV26",
            valid_from=None,
            organisation_name=draw(st.sampled_from(["Ergens", "Nergens"])),
            lat=52.1,
            lon=5.1,
        )
    ]
    for _ in range(draw(st.integers(0, 3))):
        events.append(OrganisatieGewijzigd(organisation_code=code, changed_fields=["valid_until"],
                                           valid_until=draw(st.none() | days),
                                           successor_code=None))  # fmt: skip
    return events


def enveloped(story: list[EventData]) -> list[CloudEvent]:
    """Each event as the outbox publishes it; milliseconds apart (the organisation events have
    no revision: their time orders them)."""
    return [CloudEvent.wrap(e, time=AT + timedelta(milliseconds=n)) for n, e in enumerate(story)]


@pytest.fixture
async def sessions(database_url: Any) -> AsyncIterator[Any]:
    async with migrated(database_url("convergence"), scheduling.migrations) as factory:
        yield factory


async def rows_after(sessions: Any, deliveries: list[CloudEvent]) -> dict[str, Any]:
    """The rows (and what the reads see) after ``deliveries``, from nothing."""
    requests_ = {
        uuid.UUID(e.subject) for e in deliveries if e.subject != e.data.get("organisation_code")
    }
    codes = {e.subject for e in deliveries} - {str(r) for r in requests_}
    tables = ((SessionRequestRow, SessionRequestRow.id, requests_),
              (OrganisationRow, OrganisationRow.cbs_code, codes))  # fmt: skip
    async with sessions() as session, session.begin():
        for table, key, keys in tables:
            await session.execute(delete(table).where(key.in_(keys)))
    for envelope in deliveries:
        await deliver(requests, envelope, sessions)
    found: dict[str, Any] = {}
    async with sessions() as session:
        for table, key, keys in tables:
            rows = await session.execute(select(table.__table__).where(key.in_(keys)))
            found[table.__tablename__] = [dict(row) for row in rows.mappings()]
        found["open"] = [r.id for r in await repository.open_requests(session) if r.id in requests_]
        found["places"] = sorted(set(await repository.organisations(session)) & codes)
    return found


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(story=st.one_of(request_story(), organisation_story()), data=st.data())
async def test_any_order_with_duplicates_gives_the_in_order_rows(sessions, story, data):
    in_order = enveloped(story)
    expected = await rows_after(sessions, anew(in_order))
    assert await rows_after(sessions, data.draw(any_order(in_order))) == expected


async def test_a_withdrawal_before_its_submission_leaves_a_tombstone_it_fills_in(sessions):
    request_id = uuid.uuid4()
    common = {"request_id": request_id, "organisation_code": CODE}
    submitted = SessieverzoekIngediend(**common, voorgesprek_id=request_id, revision=1,
                                       requested_on=date(2025, 4, 1))  # fmt: skip
    withdrawn = SessieverzoekIngetrokken(**common, revision=2)
    await deliver(requests, withdrawn, sessions)
    async with sessions() as session:
        assert await repository.get_request(session, request_id) is None
        tombstone = await session.get(SessionRequestRow, request_id)
        assert tombstone is not None and tombstone.withdrawn and tombstone.revision == 2
    await deliver(requests, submitted, sessions)
    async with sessions() as session:
        row = await repository.get_request(session, request_id)
        assert row is not None and row.requested_on == date(2025, 4, 1)
        assert (row.withdrawn, row.revision, row.data_revision) == (True, 2, 1)
        assert request_id not in {r.id for r in await repository.open_requests(session)}
