"""The audit trail (BIO2 8.15): append-only and chained, one table per service.

Every read of personal data and every change records actor, role, action, object, result,
origin and time. Each record carries the code of its predecessor, so removing or altering
one breaks the chain (``ontour audit verify <service>``); a trigger refuses UPDATE, DELETE
and TRUNCATE. Details hold ids only, never personal data.

The chain is keyed: each code is an HMAC-SHA256 with ``ONTOUR_AUDIT_KEY``, which lives in
the configuration and never in the database, so whoever holds only the database credentials
cannot recompute the chain after a change. The head (sequence and code) is written now and
then to an anchor outside the database (JetStream stream ``ONTOUR_AUDIT_ANCHORS``, subject
``ontour.audit.anchor.<service>``): at start, after ``audit_anchor_every`` records or
``audit_anchor_seconds``, and at shutdown. Verification also checks that the newest anchor's
head is still there, so removing the newest records is detected too (all but those written
since the last anchor).

Records written before the keyed chain (plain SHA-256 links) stay valid: the first anchor a
service writes fixes ``keyed_from``, the first keyed sequence, found by walking the existing
chain; records before it are verified with the plain hash, every later one with the HMAC.
Every anchor carries ``keyed_from`` and is itself authenticated with the key.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import time
import weakref
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import Column, DateTime, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from ontour.auth.principal import Principal
from ontour.events import subject
from ontour.messaging.streams import AUDIT_ANCHOR_STREAM as ANCHOR_STREAM
from ontour.observability.logging import get_logger
from ontour.settings import PLACEHOLDER_PREFIX

if TYPE_CHECKING:
    from nats.js import JetStreamContext

GENESIS = "0" * 64
# The origin of what someone without an account does (a public form). Their address would
# be personal data pointing at that person in a log that can never be erased, and the trail
# needs no address to account for it: there is no account to hold to account.
PUBLIC_ORIGIN = "publiek (geen adres bewaard)"
_CHAIN_LOCK = 0x61756469740A  # serialises appends so the chain stays linear
DEV_AUDIT_KEY = f"{PLACEHOLDER_PREFIX}-audit-key"
# How often the anchor task looks whether the head moved (cheap: one indexed query).
ANCHOR_POLL_SECONDS = 5.0
ANCHOR_PUBLISH_TIMEOUT = 5.0
# The key of each service's engine, bound when the service is built (bind_key).
_KEYS: weakref.WeakKeyDictionary[Engine, bytes] = weakref.WeakKeyDictionary()
log = get_logger(__name__)


def anchor_subject(service: str) -> str:
    return subject("audit", "anchor", service)


def audit_key(value: str, *, development: bool) -> bytes:
    """The chain's key from ``ONTOUR_AUDIT_KEY``; empty (or a placeholder) means the
    development key, refused outside development."""
    if not value or value.startswith(PLACEHOLDER_PREFIX):
        if not development:
            raise ValueError("ONTOUR_AUDIT_KEY must be set outside development")
        value = DEV_AUDIT_KEY
    return value.encode()


def key_from_environment() -> bytes:
    """``ONTOUR_AUDIT_KEY`` of this process (commands run outside a service)."""
    development = os.environ.get("ONTOUR_ENVIRONMENT", "development") != "production"
    return audit_key(os.environ.get("ONTOUR_AUDIT_KEY", ""), development=development)


def bind_key(engine: AsyncEngine, key: bytes) -> None:
    """Use ``key`` for the audit chain in ``engine``'s database (done by the service)."""
    _KEYS[engine.sync_engine] = key


def _key_of(bind: Any) -> bytes:
    engine = getattr(bind, "engine", bind)
    found = _KEYS.get(engine) if isinstance(engine, Engine) else None
    return found if found is not None else key_from_environment()


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int = Field(primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor: str
    roles: str
    action: str
    object_type: str
    object_id: str
    result: str
    origin: str
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    prev_hash: str
    hash: str


def _canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(
        [
            record["id"],
            record["at"].astimezone(UTC).isoformat(),
            record["actor"],
            record["roles"],
            record["action"],
            record["object_type"],
            record["object_id"],
            record["result"],
            record["origin"],
            record["details"],
            record["prev_hash"],
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def _digest(record: dict[str, Any]) -> str:
    """The plain link of records from before the keyed chain (see ``keyed_from``)."""
    return hashlib.sha256(_canonical(record)).hexdigest()


def _mac(key: bytes, record: dict[str, Any]) -> str:
    return hmac.new(key, _canonical(record), hashlib.sha256).hexdigest()


async def append(
    session: AsyncSession,
    *,
    actor: Principal | None,
    action: str,
    object_type: str,
    object_id: str,
    result: str = "toegestaan",
    origin: str = "intern",
    details: dict[str, Any] | None = None,
) -> None:
    """Append a record inside the caller's transaction (it commits with the change)."""
    await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _CHAIN_LOCK})
    previous = (
        await session.execute(text("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"))
    ).scalar()
    record: dict[str, Any] = {
        "id": (await session.execute(text("SELECT nextval('audit_log_id_seq')"))).scalar_one(),
        "at": datetime.now(UTC),
        "actor": actor.subject if actor else "anoniem",
        "roles": ",".join(sorted(actor.roles)) if actor else "",
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "result": result,
        "origin": origin,
        "details": details or {},
        "prev_hash": previous or GENESIS,
    }
    record["hash"] = _mac(_key_of(session.get_bind()), record)
    await session.execute(sa.insert(AuditRecord).values(**record))


@dataclass(frozen=True, slots=True)
class Caller:
    """Who did it, as the trail keeps it: the signed-in principal (none for a public form
    or the service itself) and where the request came from."""

    principal: Principal | None = None
    origin: str = "intern"

    @property
    def signed_in(self) -> Principal:
        """The principal, for a use case that only signed-in callers reach (the access table
        lets no one else in: anything else is a fault, not a refusal)."""
        if self.principal is None:
            raise PermissionError("this use case needs a signed-in caller")
        return self.principal


async def record(
    session: AsyncSession,
    caller: Caller,
    action: str,
    object_type: str,
    object_id: str,
    *,
    result: str = "toegestaan",
    details: dict[str, Any] | None = None,
) -> None:
    """Audit what a caller does, inside the transaction that does it. The edge that
    received the request names the caller (``ontour.web.caller``): the trail never reads
    a request itself, so a use case can be run from a page, the API, the CLI or a handler."""
    await append(
        session,
        actor=caller.principal,
        action=action,
        object_type=object_type,
        object_id=object_id,
        result=result,
        origin=caller.origin,
        details=details,
    )


@dataclass(frozen=True)
class ChainReport:
    records: int
    intact: bool
    first_broken_id: int | None = None
    problem: str = ""


@dataclass(frozen=True)
class Anchor:
    """The head of one service's chain at one moment, kept outside its database."""

    service: str
    sequence: int  # id of the newest record (0: an empty chain)
    hash: str  # its code as stored (GENESIS for an empty chain)
    keyed_from: int  # the first sequence with an HMAC code; earlier ones are plain SHA-256
    at: str
    mac: str = ""

    def _payload(self) -> bytes:
        fields = [self.service, self.sequence, self.hash, self.keyed_from, self.at]
        return json.dumps(fields, separators=(",", ":")).encode()

    def signed(self, key: bytes) -> Anchor:
        mac = hmac.new(key, self._payload(), hashlib.sha256).hexdigest()
        return Anchor(self.service, self.sequence, self.hash, self.keyed_from, self.at, mac)

    def authentic(self, key: bytes) -> bool:
        return hmac.compare_digest(self.signed(key).mac, self.mac)

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Anchor:
        return cls(**json.loads(data))


async def last_anchor(js: JetStreamContext, service: str) -> Anchor | None:
    """The newest anchor of ``service`` (None when it never wrote one)."""
    from nats.js.errors import NotFoundError

    try:
        message = await js.get_last_msg(ANCHOR_STREAM, anchor_subject(service))
    except NotFoundError:
        return None
    return Anchor.from_bytes(message.data or b"")


async def _head(conn: AsyncConnection) -> tuple[int, str]:
    row = (
        await conn.execute(text("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"))
    ).one_or_none()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


async def _first_keyed(conn: AsyncConnection) -> int:
    """The first record whose code is not its plain hash: where the keyed chain starts."""
    last = 0
    result = await conn.stream(text("SELECT * FROM audit_log ORDER BY id"))
    async for row in result.mappings():
        data = dict(row)
        if _digest(data) != data["hash"]:
            return int(data["id"])
        last = int(data["id"])
    return last + 1


async def write_anchor(engine: AsyncEngine, js: JetStreamContext, service: str) -> Anchor:
    """Publish the chain's current head as the newest anchor of ``service``.

    The first anchor of a service also fixes ``keyed_from`` (under the chain's lock, so no
    append slips in between); later anchors carry it on.
    """
    key = _key_of(engine.sync_engine)
    async with engine.begin() as conn:
        await conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _CHAIN_LOCK})
        previous = await last_anchor(js, service)
        keyed_from = previous.keyed_from if previous else await _first_keyed(conn)
        sequence, head = await _head(conn)
        anchor = Anchor(service, sequence, head, keyed_from, datetime.now(UTC).isoformat()).signed(
            key
        )
        await js.publish(anchor_subject(service), anchor.to_bytes(), stream=ANCHOR_STREAM)
    return anchor


async def anchor_periodically(
    engine: AsyncEngine,
    jetstream: Callable[[], JetStreamContext],
    service: str,
    *,
    every: int,
    seconds: float,
    poll: float = ANCHOR_POLL_SECONDS,
) -> None:
    """Anchor at start, after ``every`` new records or ``seconds``, and once more when
    cancelled (the service's shutdown). A broker that is away: try again at the next poll."""
    anchored: Anchor | None = None
    anchored_at = 0.0

    async def anchor() -> None:
        nonlocal anchored, anchored_at
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that
        # arrives as the anchor completes, and the service's shutdown then waits forever.
        async with asyncio.timeout(ANCHOR_PUBLISH_TIMEOUT):
            anchored = await write_anchor(engine, jetstream(), service)
        anchored_at = time.monotonic()

    failing = False
    try:
        while True:
            try:
                if anchored is None:
                    await anchor()
                else:
                    async with engine.connect() as conn:
                        new = (
                            await conn.execute(
                                text("SELECT count(*) FROM audit_log WHERE id > :last"),
                                {"last": anchored.sequence},
                            )
                        ).scalar_one()
                    due = time.monotonic() - anchored_at >= seconds
                    if new >= every or (new and due):
                        await anchor()
                if failing:
                    log.info("audit anchor written again", service=service)
                failing = False
            except Exception as exc:  # the broker or the database away: retry next poll
                if not failing:
                    log.warning(
                        "audit anchor not written", service=service, error=type(exc).__name__
                    )
                failing = True
            await asyncio.sleep(poll)
    except asyncio.CancelledError:
        # The last anchor at shutdown, finished even when the shutdown cancels again (it
        # does, until the job ends: ontour.service.stop_jobs); bounded by its own timeout.
        last = asyncio.ensure_future(anchor())
        while not last.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait({last})
        with contextlib.suppress(Exception):
            last.result()
        raise


def _anchor_problem(anchor: Anchor, found: dict[int, str], last_id: int) -> str:
    if anchor.sequence == 0:
        return ""
    if anchor.sequence not in found:
        if anchor.sequence > last_id:
            return (
                f"de nieuwste records ontbreken: het anker noemt record {anchor.sequence}, "
                f"het logboek eindigt bij {last_id}"
            )
        return f"record {anchor.sequence} uit het anker ontbreekt"
    if not hmac.compare_digest(found[anchor.sequence], anchor.hash):
        return f"record {anchor.sequence} wijkt af van het anker"
    return ""


async def verify(
    engine: AsyncEngine, key: bytes | None = None, anchor: Anchor | None = None
) -> ChainReport:
    """Walk the chain in order; report the first record whose link or content is wrong, and
    whether the ``anchor``'s head is still there. Without an anchor every record must carry
    an HMAC (``keyed_from`` 1)."""
    key = key if key is not None else _key_of(engine.sync_engine)
    if anchor is not None and not anchor.authentic(key):
        return ChainReport(
            0, False, None, "het anker is niet met de sleutel van deze dienst gemaakt"
        )
    keyed_from = anchor.keyed_from if anchor else 1
    previous = GENESIS
    count = 0
    last_id = 0
    at_anchor: dict[int, str] = {}
    async with engine.connect() as conn:
        result = await conn.stream(text("SELECT * FROM audit_log ORDER BY id"))
        async for row in result.mappings():
            count += 1
            data = dict(row)
            if data["prev_hash"] != previous:
                return ChainReport(
                    count,
                    False,
                    data["id"],
                    "de koppeling met het vorige record klopt niet "
                    "(een record is verwijderd of ingevoegd)",
                )
            expected = _digest(data) if data["id"] < keyed_from else _mac(key, data)
            if not hmac.compare_digest(expected, data["hash"]):
                return ChainReport(count, False, data["id"], "de inhoud is gewijzigd")
            if anchor is not None and data["id"] == anchor.sequence:
                at_anchor[data["id"]] = data["hash"]
            previous = data["hash"]
            last_id = data["id"]
    if anchor is not None and (problem := _anchor_problem(anchor, at_anchor, last_id)):
        return ChainReport(count, False, anchor.sequence, problem)
    return ChainReport(count, True)


async def verify_service(
    engine: AsyncEngine, js: JetStreamContext, service: str, key: bytes | None = None
) -> ChainReport:
    """:func:`verify` against the newest anchor of ``service``; a trail with records but
    without any anchor is not intact (the anchors are what prove nothing was cut off)."""
    anchor = await last_anchor(js, service)
    if anchor is None:
        async with engine.connect() as conn:
            count = (await conn.execute(text("SELECT count(*) FROM audit_log"))).scalar_one()
        if count:
            return ChainReport(count, False, None, f"er is geen anker van {service} gevonden")
    return await verify(engine, key, anchor)


def create_audit_table() -> None:
    """Alembic operations for the audit table and its append-only guard."""
    from alembic import op

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("roles", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("object_type", sa.String(), nullable=False),
        sa.Column("object_id", sa.String(), nullable=False),
        sa.Column("result", sa.String(), nullable=False),
        sa.Column("origin", sa.String(), nullable=False),
        sa.Column("details", JSONB(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"])
    op.execute(
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    )


def drop_audit_table() -> None:
    from alembic import op

    op.drop_table("audit_log")
    op.execute("DROP FUNCTION audit_log_append_only()")
