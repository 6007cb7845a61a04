"""Contact persons per organisation (griffier and others): personal data.

Stored envelope-encrypted (:mod:`ontour.crypto`, one data key per contact; every field,
the function included, so free text typed there can never leak). Every read is audited
per contact and every change too; the audit trail, logs and events carry ids only.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response, status
from ontour import audit
from ontour.crypto import FieldCipher, RecordKey
from ontour.db import transaction
from ontour.service import SessionsDep
from ontour.web.api import CipherDep
from ontour.web.problems import Problem, problem_responses
from sqlmodel.ext.asyncio.session import AsyncSession

from intake import repository
from intake.api.deps import CbsCode
from intake.api.schemas import ContactCreate, ContactPublic
from intake.models import ContactRow, TimelineEntry

router = APIRouter(prefix="/organisaties/{cbs_code}/contacten", tags=["contacten"])


def _context(contact_id: uuid.UUID, field: str) -> bytes:
    return f"contact:{contact_id}:{field}".encode()


def _seal(key: RecordKey, contact_id: uuid.UUID, field: str, value: str | None) -> bytes | None:
    return None if value is None else key.encrypt(value, _context(contact_id, field))


def _open(key: RecordKey, contact_id: uuid.UUID, field: str, value: bytes | None) -> str | None:
    return None if value is None else key.decrypt(value, _context(contact_id, field))


def _public(cipher: FieldCipher, row: ContactRow) -> ContactPublic:
    key = cipher.unwrap(row.wrapped_key)
    return ContactPublic(
        id=row.id,
        organisation_code=row.organisation_code,
        name=_open(key, row.id, "name", row.name_enc) or "",
        function=_open(key, row.id, "function", row.function_enc) or "",
        email=_open(key, row.id, "email", row.email_enc),
        phone=_open(key, row.id, "phone", row.phone_enc),
        created_at=row.created_at,
        version=row.version,
    )


async def _known_organisation(session: AsyncSession, cbs_code: str) -> None:
    if await repository.get_organisation(session, cbs_code) is None:
        raise Problem(404, f"Er is geen organisatie met CBS-code {cbs_code}.")


@router.get(
    "",
    response_model=list[ContactPublic],
    responses=problem_responses(404, 422),
    summary="Contactpersonen van een organisatie",
    description="Elke inzage wordt per contactpersoon in het auditlogboek vastgelegd.",
)
async def list_contacts(
    cbs_code: CbsCode, sessions: SessionsDep, cipher: CipherDep, request: Request
) -> list[ContactPublic]:
    async with transaction(sessions) as session:
        await _known_organisation(session, cbs_code)
        rows = await repository.list_contacts(session, cbs_code)
        contacts = [_public(cipher, row) for row in rows]
        for contact in contacts:
            await audit.record(session, request, "lezen", "contact", str(contact.id))
    return contacts


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ContactPublic,
    responses=problem_responses(404, 422),
    summary="Leg een contactpersoon vast",
)
async def create_contact(
    cbs_code: CbsCode,
    body: ContactCreate,
    sessions: SessionsDep,
    cipher: CipherDep,
    request: Request,
    response: Response,
) -> ContactPublic:
    contact_id = uuid.uuid4()
    wrapped = cipher.new_data_key()
    key = cipher.unwrap(wrapped)
    row = ContactRow(
        id=contact_id,
        organisation_code=cbs_code,
        wrapped_key=wrapped,
        name_enc=key.encrypt(body.name, _context(contact_id, "name")),
        function_enc=key.encrypt(body.function, _context(contact_id, "function")),
        email_enc=_seal(key, contact_id, "email", body.email),
        phone_enc=_seal(key, contact_id, "phone", body.phone),
    )
    async with transaction(sessions) as session:
        await _known_organisation(session, cbs_code)
        row = await repository.add_contact(session, row)
        session.add(
            TimelineEntry(
                organisation_code=cbs_code,
                kind="contact",
                summary="Contactpersoon toegevoegd",
                actor=getattr(request.state.user, "display_name", None),
                object_id=str(contact_id),
            )
        )
        await audit.record(session, request, "aanmaken", "contact", str(contact_id))
        created = _public(cipher, row)
    response.headers["Location"] = f"/intake/api/v1/organisaties/{cbs_code}/contacten/{contact_id}"
    return created


@router.delete(
    "/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(404, 422),
    summary="Verwijder een contactpersoon",
    description="Met de rij verdwijnt ook de sleutel van de gegevens (crypto-shredding).",
)
async def delete_contact(
    cbs_code: CbsCode, contact_id: uuid.UUID, sessions: SessionsDep, request: Request
) -> Response:
    async with transaction(sessions) as session:
        if not await repository.delete_contact(session, cbs_code, contact_id):
            raise Problem(404, "Deze contactpersoon bestaat niet.")
        await audit.record(session, request, "verwijderen", "contact", str(contact_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
