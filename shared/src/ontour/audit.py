"""The audit trail (BIO2 8.15): append-only and hash-chained, one table per service.

Every read of personal data and every change records actor, role, action, object, result,
origin and time. Each record carries the hash of its predecessor, so removing or altering
one breaks the chain (``ontour audit verify <service>``); a trigger refuses UPDATE, DELETE
and TRUNCATE. Details hold ids only, never personal data.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Column, DateTime, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request

from ontour.auth.principal import Principal

GENESIS = "0" * 64
# The origin of what someone without an account does (a public form). Their address would
# be personal data pointing at that person in a log that can never be erased, and the trail
# needs no address to account for it: there is no account to hold to account.
PUBLIC_ORIGIN = "publiek (geen adres bewaard)"
_CHAIN_LOCK = 0x61756469740A  # serialises appends so the chain stays linear


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


def _digest(record: dict[str, Any]) -> str:
    canonical = json.dumps(
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
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def origin_of(request: Request | None) -> str:
    if request is None or request.client is None:
        return "intern"
    return request.client.host


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
    record["hash"] = _digest(record)
    await session.execute(sa.insert(AuditRecord).values(**record))


async def record(
    session: AsyncSession,
    request: Request,
    action: str,
    object_type: str,
    object_id: str,
    *,
    result: str = "toegestaan",
    details: dict[str, Any] | None = None,
) -> None:
    """Audit what the caller of ``request`` does: with their address when signed in, without
    it (:data:`PUBLIC_ORIGIN`) when they have no account."""
    actor = getattr(request.state, "user", None)
    await append(
        session,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        result=result,
        origin=origin_of(request) if actor is not None else PUBLIC_ORIGIN,
        details=details,
    )


@dataclass(frozen=True)
class ChainReport:
    records: int
    intact: bool
    first_broken_id: int | None = None
    problem: str = ""


async def verify(engine: AsyncEngine) -> ChainReport:
    """Walk the chain in order; report the first record whose link or content is wrong."""
    previous = GENESIS
    count = 0
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
            if _digest(data) != data["hash"]:
                return ChainReport(count, False, data["id"], "de inhoud is gewijzigd")
            previous = data["hash"]
    return ChainReport(count, True)


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
