"""The shared application layer on a real PostgreSQL: one unit of work (change, audit record
and events commit together), the versioned write, and refusals answered as problem+json."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import asyncpg
import pytest
from ontour.application.errors import Conflict, Forbidden, NotFound, Refused, VersionConflict
from ontour.application.unit_of_work import (
    Caller,
    locked,
    save,
    unit_of_work,
    unit_of_work_in,
)
from ontour.audit import AuditRecord
from ontour.auth.principal import Principal, Role
from ontour.contracts.intake import OrganisatieGewijzigd, OrganisatieVeld
from ontour.crypto import FieldCipher, dev_master_key
from ontour.db import create_engine, ensure_database, session_factory
from ontour.messaging.outbox import OutboxMessage
from ontour.web.refusals import problem_of
from sqlalchemy import DateTime, String, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Thing(Base):
    """A versioned row, as every service's aggregates have them."""

    __tablename__ = "thing"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


EVENT = OrganisatieGewijzigd(
    organisation_code="GM0014",
    changed_fields=[OrganisatieVeld.NOT_PUBLISHED],
    valid_until=None,
    successor_code=None,
    not_published=True,
)
CALLER = Caller(Principal("carla", "Carla", frozenset({Role.COORDINATOR}), "bearer"), "10.0.0.1")


@pytest.fixture
async def sessions(database_url):
    url = database_url("uow")
    for _ in range(50):  # a server started just now may still refuse connections
        try:
            await ensure_database(url)
            break
        except asyncpg.CannotConnectNowError:
            await asyncio.sleep(0.2)
    engine = create_engine(url, pool_size=2)
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.run_sync(OutboxMessage.__table__.create)  # type: ignore[attr-defined]
        await conn.run_sync(AuditRecord.__table__.create)  # type: ignore[attr-defined]
    yield session_factory(engine)
    await engine.dispose()


async def _thing(sessions) -> uuid.UUID:
    thing_id = uuid.uuid4()
    async with sessions() as session, session.begin():
        session.add(Thing(id=thing_id, name="eerst", version=1))
    return thing_id


async def _count(sessions, model) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_the_change_its_audit_record_and_its_events_commit_together(sessions):
    thing_id = await _thing(sessions)
    async with unit_of_work(sessions, CALLER) as work:
        row = await locked(work.session, Thing, thing_id, 1)
        assert await save(work.session, row, name="daarna") == 2
        work.enqueue(EVENT, None)  # None: a step that changed nothing announces nothing
        await work.audit("wijzigen", "thing", str(thing_id))
    async with sessions() as session:
        stored = await session.get(Thing, thing_id)
        assert stored is not None
        assert (stored.name, stored.version) == ("daarna", 2)
        assert stored.updated_at is not None
        [record] = (await session.execute(select(AuditRecord))).scalars().all()
        assert (record.actor, record.origin, record.action) == ("carla", "10.0.0.1", "wijzigen")
    assert await _count(sessions, OutboxMessage) == 1


async def test_a_refused_unit_of_work_stores_and_announces_nothing(sessions):
    thing_id = await _thing(sessions)
    with pytest.raises(Refused):
        async with unit_of_work(sessions, CALLER) as work:
            row = await locked(work.session, Thing, thing_id, 1)
            await save(work.session, row, name="daarna")
            work.enqueue(EVENT)
            await work.audit("wijzigen", "thing", str(thing_id))
            raise Refused("het mag niet")
    async with sessions() as session:
        stored = await session.get(Thing, thing_id)
        assert stored is not None and stored.version == 1
    assert await _count(sessions, OutboxMessage) == 0
    assert await _count(sessions, AuditRecord) == 0


async def test_a_unit_of_work_in_a_given_transaction_leaves_the_commit_to_its_owner(sessions):
    async with sessions() as session, session.begin():
        async with unit_of_work_in(session) as work:
            work.enqueue(EVENT)
        assert await _count(sessions, OutboxMessage) == 0  # not committed yet
    assert await _count(sessions, OutboxMessage) == 1


async def test_locked_refuses_what_is_missing_and_a_stale_version(sessions):
    thing_id = await _thing(sessions)
    async with sessions() as session, session.begin():
        with pytest.raises(NotFound) as missing:
            await locked(session, Thing, uuid.uuid4(), 1, missing="Dit ding bestaat niet.")
        assert missing.value.detail == "Dit ding bestaat niet."
        with pytest.raises(VersionConflict) as stale:
            await locked(session, Thing, thing_id, 7)
        assert stale.value.current == 1
        assert (await locked(session, Thing, thing_id, None)).id == thing_id  # no version asked


async def test_the_events_go_to_the_outbox_in_one_statement_past_sqlalchemys_execution_layer(
    sessions,
):
    # Written once per event on every service's write path: straight to the driver, in the
    # unit of work's transaction, also as its first statement (the ORM flushes at commit).
    statements: list[str] = []

    def executed(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", executed)
    try:
        async with unit_of_work(sessions) as work:
            work.session.add(Thing(id=uuid.uuid4(), name="nieuw"))
            work.enqueue(EVENT, EVENT, EVENT)
        with pytest.raises(Refused):
            async with unit_of_work(sessions) as work:
                work.enqueue(EVENT)
                await work._complete()  # written ...
                raise Refused("het mag niet")  # ... and rolled back with the rest
    finally:
        event.remove(engine, "before_cursor_execute", executed)
    assert [statement.split()[:3] for statement in statements] == [["INSERT", "INTO", "thing"]]
    async with sessions() as session:
        rows = (await session.execute(select(OutboxMessage))).scalars().all()
    assert len(rows) == 3
    assert {(row.subject, row.attempts, row.sent_at) for row in rows} == {
        (OrganisatieGewijzigd.nats_subject(), 0, None)
    }
    assert all(isinstance(row.trace_headers, dict) for row in rows)


def test_refusals_answer_as_the_apis_always_did():
    forbidden = problem_of(Forbidden("Alleen uw eigen acties."))
    assert (forbidden.status, forbidden.detail) == (403, "Alleen uw eigen acties.")
    missing = problem_of(NotFound("Dit voorgesprek bestaat niet."))
    assert (missing.status, missing.detail) == (404, "Dit voorgesprek bestaat niet.")
    stale = problem_of(VersionConflict(3))
    assert (stale.status, stale.headers) == (409, {"ETag": '"3"'})
    taken = problem_of(Conflict("Er loopt al een planningsronde."))
    assert (taken.status, taken.detail) == (409, "Er loopt al een planningsronde.")
    state = problem_of(Refused("het voorgesprek is al geannuleerd"))
    assert (state.status, state.detail) == (409, "Dit kan niet: het voorgesprek is al geannuleerd.")
    field = problem_of(Refused("ligt in de toekomst", "held_on"))
    assert (field.status, field.detail) == (422, "held_on: ligt in de toekomst")
    assert field.invalid_params == [{"name": "held_on", "reason": "ligt in de toekomst"}]
    rules = problem_of(Refused("Breekt regels: a b", "sessie", reasons=["a", "b"]))
    assert (rules.status, rules.detail) == (422, "Breekt regels: a b")
    assert rules.invalid_params == [
        {"name": "sessie", "reason": "a"},
        {"name": "sessie", "reason": "b"},
    ]


@pytest.mark.parametrize("empty", [None, ""])
def test_an_empty_field_is_sealed_as_no_value(empty):
    cipher = FieldCipher([dev_master_key()])
    key = cipher.unwrap(cipher.new_data_key())
    assert key.seal(b"contact:1:email", empty) is None
    sealed = key.seal(b"contact:1:email", "a@example.nl")
    assert sealed is not None
    assert key.unseal(b"contact:1:email", sealed) == "a@example.nl"
    assert key.unseal(b"contact:1:email", None) is None
