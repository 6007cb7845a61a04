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
from ontour.db import create_engine, ensure_database, migrate, session_factory
from ontour.events import CloudEvent, EventData, parse_event
from ontour.messaging import inbox
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
    url = database_url("convergence")
    await ensure_database(url)
    engine = create_engine(url, pool_size=2)
    await migrate(engine, scheduling.migrations)
    yield session_factory(engine)
    await engine.dispose()


async def deliver(sessions: Any, envelope: CloudEvent) -> None:
    """The consumer's own step for one message: inbox claim and handler in one transaction."""
    envelope, event = parse_event(envelope.model_dump_json().encode())
    async with sessions() as session, session.begin():
        if await inbox.claim(session, requests.durable, envelope.id):
            await requests.handlers[type(event)](session, envelope, event)


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
        await deliver(sessions, envelope)
    found: dict[str, Any] = {}
    async with sessions() as session:
        for table, key, keys in tables:
            rows = await session.execute(select(table.__table__).where(key.in_(keys)))
            # All columns but the moment a request arrived.
            found[table.__tablename__] = [
                {k: v for k, v in row.items() if k != "received_at"} for row in rows.mappings()
            ]
        found["open"] = [r.id for r in await repository.open_requests(session) if r.id in requests_]
        found["places"] = sorted(set(await repository.organisations(session)) & codes)
    return found


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(story=st.one_of(request_story(), organisation_story()), data=st.data())
async def test_any_order_with_duplicates_gives_the_in_order_rows(sessions, story, data):
    in_order = enveloped(story)
    order = data.draw(st.permutations(range(len(in_order))))
    again = data.draw(st.lists(st.sampled_from(range(len(in_order))), max_size=3))
    # A duplicate is the same message again (the inbox drops it) or, as a second publish
    # would be, the same event under a new id (the handler itself must shrug it off).
    copies = [
        in_order[n]
        if data.draw(st.booleans())
        else in_order[n].model_copy(update={"id": uuid.uuid4()})
        for n in again
    ]
    shuffled = [in_order[n] for n in order] + copies
    expected = await rows_after(
        sessions, [e.model_copy(update={"id": uuid.uuid4()}) for e in in_order]
    )
    assert await rows_after(sessions, shuffled) == expected


async def test_a_withdrawal_before_its_submission_leaves_a_tombstone_it_fills_in(sessions):
    request_id = uuid.uuid4()
    common = {"request_id": request_id, "organisation_code": CODE}
    submitted = SessieverzoekIngediend(**common, voorgesprek_id=request_id, revision=1,
                                       requested_on=date(2025, 4, 1))  # fmt: skip
    withdrawn = SessieverzoekIngetrokken(**common, revision=2)
    await deliver(sessions, CloudEvent.wrap(withdrawn))
    async with sessions() as session:
        assert await repository.get_request(session, request_id) is None
        tombstone = await session.get(SessionRequestRow, request_id)
        assert tombstone is not None and tombstone.withdrawn and tombstone.revision == 2
    await deliver(sessions, CloudEvent.wrap(submitted))
    async with sessions() as session:
        row = await repository.get_request(session, request_id)
        assert row is not None and row.requested_on == date(2025, 4, 1)
        assert (row.withdrawn, row.revision, row.data_revision) == (True, 2, 1)
        assert request_id not in {r.id for r in await repository.open_requests(session)}
