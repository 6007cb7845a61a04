"""Persistence of intake's aggregates; the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.domain.register import Organisation, OrganisationKind
from intake.domain.tour_status import TourStatus
from intake.models import ContactRow, OrganisationRow, Voorgesprek


async def add_voorgesprek(session: AsyncSession, voorgesprek: Voorgesprek) -> Voorgesprek:
    session.add(voorgesprek)
    await session.flush()
    return voorgesprek


async def get_voorgesprek(session: AsyncSession, voorgesprek_id: uuid.UUID) -> Voorgesprek | None:
    return await session.get(Voorgesprek, voorgesprek_id)


# --- the register of organisations ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrganisationFilter:
    province_code: str | None = None
    kind: OrganisationKind | None = None
    tour_status: TourStatus | None = None
    name_contains: str | None = None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_organisations(
    session: AsyncSession, where: OrganisationFilter, *, offset: int, limit: int
) -> tuple[list[OrganisationRow], int]:
    """One page of organisations (by name, then code) and the total that match."""
    query = select(OrganisationRow)
    if where.province_code:
        query = query.where(col(OrganisationRow.province_code) == where.province_code)
    if where.kind:
        query = query.where(col(OrganisationRow.kind) == where.kind.value)
    if where.tour_status:
        query = query.where(col(OrganisationRow.tour_status) == where.tour_status.value)
    if where.name_contains:
        pattern = f"%{_escape_like(where.name_contains)}%"
        query = query.where(col(OrganisationRow.name).ilike(pattern, escape="\\"))
    total = (await session.exec(select(func.count()).select_from(query.subquery()))).one()
    page = await session.exec(
        query.order_by(col(OrganisationRow.name), col(OrganisationRow.cbs_code))
        .offset(offset)
        .limit(limit)
    )
    return list(page.all()), total


async def get_organisation(session: AsyncSession, cbs_code: str) -> OrganisationRow | None:
    return await session.get(OrganisationRow, cbs_code)


async def count_organisations(session: AsyncSession) -> int:
    return (await session.exec(select(func.count()).select_from(OrganisationRow))).one()


def to_domain(row: OrganisationRow) -> Organisation:
    return Organisation(
        cbs_code=row.cbs_code,
        name=row.name,
        kind=OrganisationKind(row.kind),
        province_code=row.province_code,
        province_name=row.province_name,
        lat=row.lat,
        lon=row.lon,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        successor_code=row.successor_code,
    )


async def all_organisations(session: AsyncSession) -> list[Organisation]:
    rows = await session.exec(select(OrganisationRow).order_by(col(OrganisationRow.cbs_code)))
    return [to_domain(row) for row in rows.all()]


async def insert_organisations(
    session: AsyncSession, organisations: Sequence[Organisation]
) -> set[str]:
    """Insert the ones not there yet; the codes actually inserted (a concurrent loader's
    rows are skipped, not overwritten)."""
    if not organisations:
        return set()
    values = [{**asdict(o), "kind": o.kind.value} for o in organisations]
    statement = (
        insert(OrganisationRow)
        .values(values)
        .on_conflict_do_nothing(index_elements=["cbs_code"])
        .returning(col(OrganisationRow.cbs_code))
    )
    return set((await session.execute(statement)).scalars())


async def update_organisation(
    session: AsyncSession, organisation: Organisation, fields: Sequence[str]
) -> None:
    """Write the given fields of ``organisation`` and bump its version."""
    values = {name: getattr(organisation, name) for name in fields}
    await session.execute(
        update(OrganisationRow)
        .where(col(OrganisationRow.cbs_code) == organisation.cbs_code)
        .values(**values, version=OrganisationRow.version + 1)
    )


# --- contact persons (encrypted; see intake.api.contacten) -------------------------------------


async def list_contacts(session: AsyncSession, cbs_code: str) -> list[ContactRow]:
    rows = await session.exec(
        select(ContactRow)
        .where(col(ContactRow.organisation_code) == cbs_code)
        .order_by(col(ContactRow.created_at), col(ContactRow.id))
    )
    return list(rows.all())


async def add_contact(session: AsyncSession, contact: ContactRow) -> ContactRow:
    session.add(contact)
    await session.flush()
    return contact


async def delete_contact(session: AsyncSession, cbs_code: str, contact_id: uuid.UUID) -> bool:
    """Delete the row and with it the wrapped data key (crypto-shredding)."""
    result = await session.execute(
        delete(ContactRow)
        .where(col(ContactRow.id) == contact_id)
        .where(col(ContactRow.organisation_code) == cbs_code)
        .returning(col(ContactRow.id))
    )
    return result.scalar_one_or_none() is not None
