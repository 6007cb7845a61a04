"""Reporting converges in any order: every permutation of one aggregate's events (as a
redelivery or two replicas may deliver them) gives the row the events give in order, in the
pure fold and through ``repository.project`` on a real PostgreSQL (with "bijgewerkt tot")."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ontour.contracts.aftercare import (
    NazorgAangevraagd,
    NazorgAfgesloten,
    NazorgContactGelegd,
    NazorgGematcht,
    NazorgGewist,
    NazorgIngetrokken,
    NazorgStapGewijzigd,
)
from ontour.contracts.intake import (
    PROTOCOL_FIELDS,
    OrganisatieGeregistreerd,
    OrganisatieGewijzigd,
    OrganisatieSoort,
    ProtocolAntwoord,
    ProtocolStand,
    VoorgesprekGeannuleerd,
    VoorgesprekGehouden,
    VoorgesprekGepland,
)
from ontour.contracts.scheduling import (
    SessieGeannuleerd,
    SessieGehouden,
    SessieGepland,
    SessieVerplaatst,
    SessieVoorgesteld,
)
from ontour.db import create_engine, ensure_database, migrate, session_factory
from ontour.events import CloudEvent, EventData
from ontour.messaging.replay import create_shadow
from reporting import handlers, repository
from reporting.app import service as reporting
from reporting.domain.projection import Change, Table, apply_all, changes_of
from reporting.models import READ_MODELS, RmState
from reporting.rebuild import TABLES
from sqlalchemy import delete, select, text

AT = datetime(2025, 3, 1, 9, tzinfo=UTC)
Story = list[tuple[EventData, datetime]]  # one aggregate's events, in the order they happened
days = st.dates(date(2025, 1, 1), date(2025, 12, 31))


def _in_time(events: list[EventData], gaps: list[int]) -> Story:
    moments = [AT + timedelta(hours=sum(gaps[: n + 1])) for n in range(len(events))]
    return list(zip(events, moments, strict=True))


@st.composite
def session_story(draw: st.DrawFn) -> Story:
    common = {"session_id": draw(st.uuids()), "request_id": uuid.UUID(int=1),
              "organisation_code": "GM0344"}  # fmt: skip
    times = {"starts_at": "19:30", "ends_at": "21:30"}
    on = draw(days)
    events: list[EventData] = [
        SessieVoorgesteld(**common, on=on, team_size=draw(st.integers(1, 3)), revision=1)
    ]
    if draw(st.booleans()):
        events.append(SessieGepland(**common, **times, on=on, team_size=2, revision=2))
        for _ in range(draw(st.integers(0, 2))):
            moved = draw(days)
            events.append(SessieVerplaatst(**common, **times, previous_on=on, on=moved,
                                           revision=len(events) + 1))  # fmt: skip
            on = moved
    end = draw(st.sampled_from(["open", "cancelled", "held"]))
    if end == "cancelled":
        events.append(SessieGeannuleerd(**common, revision=len(events) + 1))
    elif end == "held":
        events.append(SessieGehouden(**common, held_on=on, participants=draw(st.integers(0, 40)),
                                     evaluation_score=draw(st.none() | st.integers(1, 10)),
                                     team_size=3, revision=len(events) + 1))  # fmt: skip
    return _in_time(events, [1] * len(events))


@st.composite
def voorgesprek_story(draw: st.DrawFn) -> Story:
    common = {"voorgesprek_id": draw(st.uuids()), "organisation_code": "GM0014"}
    events: list[EventData] = [
        VoorgesprekGepland(**common, planned_on=draw(days), mode="fysiek", revision=1)
    ]
    for _ in range(draw(st.integers(0, 3))):  # held, then corrected
        events.append(VoorgesprekGehouden(**common, held_on=draw(days), mode="online",
                                          themes=draw(st.lists(st.sampled_from(["nazorg"]))),
                                          incident_count=draw(st.none() | st.integers(0, 5)),
                                          revision=len(events) + 1))  # fmt: skip
    if draw(st.booleans()):
        events.append(VoorgesprekGeannuleerd(**common, revision=len(events) + 1))
    return _in_time(events, [1] * len(events))


# Few days, so that answers of one question and day (corrections) meet.
@st.composite
def protocol_answers(draw: st.DrawFn) -> dict[str, Any]:
    stand = st.none() | st.builds(
        ProtocolStand, answer=st.sampled_from(ProtocolAntwoord),
        since=st.sampled_from([date(2025, 3, 4), date(2025, 6, 1)]),
    )  # fmt: skip
    return {topic.value: draw(stand) for topic in PROTOCOL_FIELDS}


@st.composite
def organisation_story(draw: st.DrawFn) -> Story:
    code = f"GM{draw(st.integers(1000, 9999))}"
    events: list[EventData] = [
        OrganisatieGeregistreerd(
            organisation_code=code,
            kind=OrganisatieSoort.GEMEENTE,
            province_code="PV26",
            valid_from=None,
            organisation_name="Ergens",
        )
    ]
    for _ in range(draw(st.integers(0, 3))):
        events.append(OrganisatieGewijzigd(organisation_code=code, changed_fields=["valid_until"],
                                           valid_until=draw(st.none() | days), successor_code=None,
                                           not_published=draw(st.booleans()),
                                           **draw(protocol_answers())))  # fmt: skip
    # Milliseconds apart: the order of events without a revision is their time.
    gaps = draw(st.lists(st.integers(1, 1000), min_size=len(events), max_size=len(events)))
    return [(e, AT + timedelta(milliseconds=sum(gaps[: n + 1]))) for n, e in enumerate(events)]


@st.composite
def case_story(draw: st.DrawFn) -> Story:
    base = {"case_id": draw(st.uuids()), "statistics_consent": draw(st.booleans()),
            "role_category": "raadslid", "incident_categories": ["bedreiging"]}  # fmt: skip
    steps: list[Any] = [NazorgAangevraagd]
    steps += [NazorgGematcht] * draw(st.integers(0, 2))  # matched again after a decline
    if draw(st.booleans()):
        steps.append(NazorgContactGelegd)
    steps.append(draw(st.sampled_from([None, NazorgAfgesloten, NazorgIngetrokken])))
    if draw(st.booleans()):
        steps.append(NazorgGewist)
    gaps = draw(st.lists(st.integers(1, 40), min_size=len(steps), max_size=len(steps)))
    moments = [AT + timedelta(days=sum(gaps[: n + 1])) for n in range(len(steps))]
    return [(step(**base, at=at), at) for step, at in zip(steps, moments, strict=True) if step]


@st.composite
def step_story(draw: st.DrawFn) -> Story:
    """A step of a case: proposed, requested, then done or let go (any may be skipped)."""
    base = {"case_id": draw(st.uuids()), "kind": draw(st.sampled_from(["melding", "aangifte"]))}
    statuses = [s for s in ("voorgesteld", "aangevraagd") if draw(st.booleans())]
    end = draw(st.sampled_from([None, "afgerond", "afgezien"]))
    statuses += [end] if end else []
    events = [
        NazorgStapGewijzigd(**base, at=AT + timedelta(days=n), status=status, revision=n + 1,
                            reason="te veel gedoe" if status == "afgezien" else None)
        for n, status in enumerate(statuses or ["voorgesteld"])
    ]  # fmt: skip
    return [(e, e.at) for e in events]


stories = st.one_of(
    session_story(), voorgesprek_story(), organisation_story(), case_story(), step_story()
)


def changes(story: Story) -> list[Change]:
    return [change for event, at in story for change in changes_of(event, at)]


def one_at_a_time(changes: list[Change]) -> dict[Any, dict[str, Any]]:
    rows: dict[Any, dict[str, Any]] = {}
    for change in changes:
        rows.update(apply_all(rows, [change]))
    return rows


def comparable(story: Story, order: list[int]) -> set[str]:
    """The columns both orders must agree on: all, except that an erased case measures no
    duration from a step that arrived after its erasure (only the step's month is left)."""
    erased = [n for n, (event, _) in enumerate(story) if isinstance(event, NazorgGewist)]
    if erased and order.index(erased[0]) != len(order) - 1:
        return {"days_to_match", "days_to_contact"}
    return set()


def without(rows: dict[Any, dict[str, Any]], names: set[str]) -> dict[Any, dict[str, Any]]:
    return {key: {k: v for k, v in row.items() if k not in names} for key, row in rows.items()}


AGGREGATES = [session_story, voorgesprek_story, organisation_story, case_story, step_story]


@pytest.mark.parametrize("aggregate", AGGREGATES, ids=lambda a: a.__name__)
@settings(max_examples=300)
@given(data=st.data())
def test_any_order_of_an_aggregates_events_gives_the_in_order_row(aggregate, data):
    story = data.draw(aggregate())
    order = data.draw(st.permutations(range(len(story))))
    in_order = one_at_a_time(changes(story))
    permuted = one_at_a_time(changes([story[n] for n in order]))
    skip = comparable(story, order)
    assert without(permuted, skip) == without(in_order, skip)
    # Delivered twice (a redelivery after the ack was lost): still the same row.
    assert one_at_a_time(changes([story[n] for n in order + order])) == permuted


def test_a_cancellation_before_its_session_leaves_a_tombstone_the_session_completes():
    common = {"session_id": uuid.UUID(int=7), "request_id": uuid.UUID(int=1),
              "organisation_code": "GM0344"}  # fmt: skip
    cancelled = SessieGeannuleerd(**common, revision=2)
    proposed = SessieVoorgesteld(**common, on=date(2025, 5, 6), team_size=2, revision=1)
    [tombstone] = one_at_a_time(changes([(cancelled, AT)])).values()
    assert "organisation_code" not in tombstone and tombstone["status"] == "geannuleerd"
    [row] = one_at_a_time(changes([(cancelled, AT), (proposed, AT)])).values()
    assert (row["status"], row["on"], row["revision"]) == ("geannuleerd", date(2025, 5, 6), 2)


# --- the same through the repository on PostgreSQL -----------------------------------------------


@pytest.fixture(scope="module")
def database(postgres_server_url: str) -> Iterator[tuple[asyncio.AbstractEventLoop, Any]]:
    """A migrated reporting database and a loop of its own (hypothesis drives sync tests)."""
    loop = asyncio.new_event_loop()
    url = postgres_server_url.rsplit("/", 1)[0] + f"/convergence_{uuid.uuid4().hex[:10]}"
    for _ in range(100):  # a server this session just started may still be starting up
        try:
            loop.run_until_complete(ensure_database(url))
            break
        except asyncpg.CannotConnectNowError:
            time.sleep(0.1)
    engine = create_engine(url, pool_size=2)
    loop.run_until_complete(migrate(engine, reporting.migrations))
    try:
        yield loop, engine
    finally:
        loop.run_until_complete(engine.dispose())
        loop.close()


async def _project_one_at_a_time(
    engine: Any, story: Story
) -> tuple[dict[str, Any] | None, datetime | None]:
    """Each event in a transaction of its own, as the live consumer projects it; the row and
    "bijgewerkt tot"."""
    sessions = session_factory(engine)
    change = changes(story[:1])[0]  # the aggregate's own row (then its arrangements)
    model = READ_MODELS[change.table]
    (key,) = model.__table__.primary_key.columns
    async with sessions() as session, session.begin():  # hypothesis may draw a key again
        await session.execute(delete(model.__table__).where(key == change.key))
        await session.execute(delete(RmState))
    for event, at in story:
        async with sessions() as session, session.begin():
            await repository.project(session, changes([(event, at)]), at)
    async with sessions() as session:
        found = await session.execute(select(model.__table__).where(key == change.key))
        row = found.mappings().one_or_none()
        visible = await repository.all_rows(session, model)
        state = await session.get(RmState, 1)
    assert (row is not None and any(r[0] == change.key for r in visible)) == (
        row is not None and all(row[n] is not None for n in _required(change.table))
    )
    return dict(row) if row is not None else None, state.last_event_at if state else None


def _required(table: Table) -> list[str]:
    fields = READ_MODELS[table].model_fields
    return [name for name, field in fields.items() if field.is_required()]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stories, st.data())
def test_any_order_through_postgres_gives_the_in_order_row(database, story: Story, data):
    loop, engine = database
    order = data.draw(st.permutations(range(len(story))))
    # The row of the aggregate's own table (its arrangements: in the rebuild test below).
    first = changes(story[:1])[0]
    expected = {k: r for k, r in one_at_a_time(changes(story)).items() if k == first.key}
    row, stamp = loop.run_until_complete(_project_one_at_a_time(engine, [story[n] for n in order]))
    # "Bijgewerkt tot": the newest tour event's time, as in order (aftercare's do not move it).
    tour = [at for event, at in story if event.service != "aftercare"]
    assert stamp == max(tour, default=None)
    if not expected:
        assert row is None
        return
    assert row is not None
    [want] = expected.values()
    skip = comparable(story, order) | ({"revision"} - set(row))  # organisations keep none
    assert {k: row[k] for k in want if k not in skip} == {
        k: v for k, v in want.items() if k not in skip
    }


# --- the rebuild's load (folded per batch, new rows by COPY) against the live handler -------------


async def _tables(engine: Any, schema: str) -> dict[str, list[tuple[Any, ...]]]:
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as connection:
        for table in READ_MODELS:
            found = await connection.execute(text(f"SELECT * FROM {schema}.{table.value}"))
            tables[table.value] = sorted(map(tuple, found), key=repr)
    return tables


class _Fresh:
    """A connection to a rebuild's fresh tables, all empty still."""

    async def fetchval(self, query: str) -> bool:
        return False


async def test_a_load_looks_up_only_the_keys_it_touched_before():
    """What a batch touches (written or not) the next batches look up; nothing else."""
    written = repository.Written()
    await written.begin(_Fresh(), "rebuild", Table.VOORGESPREK)
    first, second, third = (uuid.UUID(int=n) for n in range(3))
    assert written.touch(Table.VOORGESPREK, {first, second}) == []
    assert written.touch(Table.VOORGESPREK, {second, third}) == [second]
    assert set(written.touch(Table.VOORGESPREK, {first, third})) == {first, third}


class _Crowded(repository.Written):
    BITS = 8  # nearly every key seems written already: looked up in vain, to no effect


async def _handler_and_load(
    engine: Any, stream: Story, batches: list[int], loads: list[type[repository.Written]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The read models after the live handler took ``stream`` one event at a time, and after
    :func:`repository.load` took it in batches of the given sizes into fresh tables: one load
    keeping what it wrote in the one of ``loads``, or with more of them a load a batch (as
    if of another stream each), keeping it in the next."""
    sessions = session_factory(engine)
    async with engine.begin() as connection:
        for table in TABLES:
            await connection.execute(text(f"DELETE FROM {table}"))
        await create_shadow(connection, "fastpath", TABLES)
    for event, at in stream:
        async with sessions() as session, session.begin():
            await handlers.project(session, CloudEvent.wrap(event, time=at), event)
    async with engine.connect() as connection:
        driver = (await connection.get_raw_connection()).driver_connection
        todo = changes(stream)
        kinds = itertools.cycle(loads)
        written = next(kinds)()
        for size in itertools.cycle(batches):
            if not todo:
                break
            await repository.load(driver, "fastpath", todo[:size], written)
            todo = todo[size:]
            if len(loads) > 1:
                written = next(kinds)()
    return await _tables(engine, "public"), await _tables(engine, "fastpath")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(stories, min_size=1, max_size=6), st.data())
def test_the_rebuilds_load_gives_what_the_live_handler_gives(database, drawn: list[Story], data):
    """Several aggregates' events interleaved out of order, some delivered twice, folded in
    batches (a row's events split over batches, so later ones meet the rows loaded before)
    and loaded by COPY and upsert, looking up only what a batch of the same load may have
    written (a new load looks up everything in a table that holds rows, and a crowded
    filter looks up in vain): row for row what the handler gives one event at a time."""
    loop, engine = database
    events = [event for story in drawn for event in story]
    stream = [events[n] for n in data.draw(st.permutations(range(len(events))))]
    for n in data.draw(st.lists(st.integers(0, len(stream) - 1), max_size=3)):
        stream.insert(data.draw(st.integers(n, len(stream))), stream[n])  # redelivered later
    batches = data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=4))
    kinds = st.sampled_from([repository.Written, _Crowded])
    loads = data.draw(st.lists(kinds, min_size=1, max_size=3))
    live, loaded = loop.run_until_complete(_handler_and_load(engine, stream, batches, loads))
    assert loaded == live
