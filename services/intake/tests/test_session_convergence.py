"""Intake's ``sessions`` consumer converges in any order: every permutation of an
organisation's session events, with duplicates (a redelivery, two replicas sharing the
durable), gives through the real handlers on PostgreSQL the tour status, the followed
sessions and the organisation's timeline that the events give in order, whatever status the
organisation started from."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from intake.app import service as intake
from intake.handlers import sessions as consumer
from intake.models import FollowedSession, OrganisationRow, TimelineEntry
from ontour.contracts.intake import TourStatus
from ontour.contracts.scheduling import SessieGeannuleerd, SessieGehouden, SessieGepland
from ontour.events import CloudEvent, EventData
from ontour.testing.delivery import deliver
from ontour.testing.orders import anew, any_order, migrated
from sqlalchemy import delete, select

CODE = "GM0344"
ON = date(2025, 10, 6)


@st.composite
def session_events(draw: st.DrawFn) -> list[EventData]:
    """One session's events as intake receives them (its proposal, revision 1, it ignores)."""
    common = {"session_id": uuid.uuid4(), "request_id": uuid.uuid4(), "organisation_code": CODE}
    times = {"starts_at": "19:30", "ends_at": "21:30", "team_size": 2}
    if draw(st.booleans()):  # a proposal cancelled before it was confirmed
        return [SessieGeannuleerd(**common, revision=2)]
    events: list[EventData] = [SessieGepland(**common, **times, on=ON, revision=2)]
    end = draw(st.sampled_from(["open", "cancelled", "held"]))
    if end == "cancelled":
        events.append(SessieGeannuleerd(**common, revision=3))
    elif end == "held":
        events.append(
            SessieGehouden(**common, held_on=ON, participants=20, team_size=2, revision=3)
        )
    return events


@pytest.fixture
async def sessions(database_url: Any) -> AsyncIterator[Any]:
    async with migrated(database_url("convergence"), intake.migrations) as factory:
        async with factory() as session, session.begin():
            session.add(OrganisationRow(cbs_code=CODE, name="Ergens", kind="gemeente",
                                        province_code="PV26", province_name="Utrecht"))  # fmt: skip
        yield factory


async def after(sessions: Any, start: TourStatus, deliveries: list[CloudEvent]) -> Any:
    """The tour status, the followed sessions and the timeline (without the ids of its rows)
    after ``deliveries``, from ``start``."""
    async with sessions() as session, session.begin():
        await session.execute(delete(FollowedSession))
        await session.execute(delete(TimelineEntry))
        organisation = await session.get(OrganisationRow, CODE)
        organisation.tour_status = start
    for envelope in deliveries:
        await deliver(consumer, envelope, sessions)
    async with sessions() as session:
        organisation = await session.get(OrganisationRow, CODE)
        followed = (await session.execute(select(FollowedSession.__table__))).mappings().all()
        timeline = (await session.execute(select(TimelineEntry.__table__))).mappings().all()
        entries = [{k: v for k, v in entry.items() if k != "id"} for entry in timeline]
        return (
            organisation.tour_status,
            sorted(map(dict, followed), key=str),
            sorted(entries, key=str),
        )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.sampled_from(TourStatus),
    story=st.lists(session_events(), min_size=1, max_size=3),
    data=st.data(),
)
async def test_any_order_with_duplicates_gives_the_in_order_state(sessions, start, story, data):
    in_order = [CloudEvent.wrap(event) for events in story for event in events]
    expected = await after(sessions, start, anew(in_order))
    assert await after(sessions, start, data.draw(any_order(in_order))) == expected
