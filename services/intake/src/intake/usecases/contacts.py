"""Contact persons per organisation (griffier and others): personal data.

Stored envelope-encrypted (:mod:`ontour.crypto`, one data key per contact; every field,
the function included, so free text typed there can never leak). Every read is audited
per contact and every change too; the audit trail, logs and events carry ids only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from ontour.application.errors import NotFound
from ontour.application.unit_of_work import Caller, UnitOfWork, unit_of_work
from ontour.crypto import FieldCipher
from ontour.db import Sessions

from intake import repository
from intake.models import ContactRow, TimelineEntry
from intake.usecases.organisations import missing


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact person as their reader sees them: decrypted."""

    id: uuid.UUID
    organisation_code: str
    name: str
    function: str
    email: str | None
    phone: str | None
    created_at: datetime
    version: int


def _context(contact_id: uuid.UUID, field: str) -> bytes:
    return f"contact:{contact_id}:{field}".encode()


def _opened(cipher: FieldCipher, row: ContactRow) -> Contact:
    key = cipher.unwrap(row.wrapped_key)

    def opened(field: str, value: bytes | None) -> str | None:
        return key.unseal(_context(row.id, field), value)

    return Contact(
        id=row.id,
        organisation_code=row.organisation_code,
        name=opened("name", row.name_enc) or "",
        function=opened("function", row.function_enc) or "",
        email=opened("email", row.email_enc),
        phone=opened("phone", row.phone_enc),
        created_at=row.created_at,
        version=row.version,
    )


async def _known_organisation(work: UnitOfWork, cbs_code: str) -> None:
    if await repository.get_organisation(work.session, cbs_code) is None:
        raise NotFound(missing(cbs_code))


async def read_all(
    sessions: Sessions, cipher: FieldCipher, caller: Caller, cbs_code: str
) -> list[Contact]:
    """The organisation's contacts, each read audited."""
    async with unit_of_work(sessions, caller) as work:
        await _known_organisation(work, cbs_code)
        rows = await repository.list_contacts(work.session, cbs_code)
        contacts = [_opened(cipher, row) for row in rows]
        for contact in contacts:
            await work.audit("lezen", "contact", str(contact.id))
    return contacts


async def create(
    sessions: Sessions,
    cipher: FieldCipher,
    caller: Caller,
    cbs_code: str,
    *,
    name: str,
    function: str,
    email: str | None,
    phone: str | None,
) -> Contact:
    contact_id = uuid.uuid4()
    wrapped = cipher.new_data_key()
    key = cipher.unwrap(wrapped)
    row = ContactRow(
        id=contact_id,
        organisation_code=cbs_code,
        wrapped_key=wrapped,
        name_enc=key.encrypt(name, _context(contact_id, "name")),
        function_enc=key.encrypt(function, _context(contact_id, "function")),
        email_enc=key.seal(_context(contact_id, "email"), email),
        phone_enc=key.seal(_context(contact_id, "phone"), phone),
    )
    async with unit_of_work(sessions, caller) as work:
        await _known_organisation(work, cbs_code)
        row = await repository.add_contact(work.session, row)
        actor = caller.principal.display_name if caller.principal else None
        work.session.add(
            TimelineEntry(
                organisation_code=cbs_code,
                kind="contact",
                summary="Contactpersoon toegevoegd",
                actor=actor,
                object_id=str(contact_id),
            )
        )
        await work.audit("aanmaken", "contact", str(contact_id))
        return _opened(cipher, row)


async def delete(sessions: Sessions, caller: Caller, cbs_code: str, contact_id: uuid.UUID) -> None:
    """Delete a contact, and with the row the key of their data (crypto-shredding)."""
    async with unit_of_work(sessions, caller) as work:
        if not await repository.delete_contact(work.session, cbs_code, contact_id):
            raise NotFound("Deze contactpersoon bestaat niet.")
        await work.audit("verwijderen", "contact", str(contact_id))
