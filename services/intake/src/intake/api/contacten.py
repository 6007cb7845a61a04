"""Contact persons per organisation (personal data): the HTTP face of
:mod:`intake.usecases.contacts`, which encrypts them and audits every read and change."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status
from ontour.service import SessionsDep
from ontour.web.api import CallerDep, CipherDep
from ontour.web.problems import problem_responses

from intake.api.deps import CbsCode
from intake.schemas import ContactCreate, ContactPublic
from intake.usecases import contacts

router = APIRouter(prefix="/organisaties/{cbs_code}/contacten", tags=["contacten"])


@router.get(
    "",
    response_model=list[ContactPublic],
    responses=problem_responses(404, 422),
    summary="Contactpersonen van een organisatie",
    description="Elke inzage wordt per contactpersoon in het auditlogboek vastgelegd.",
)
async def list_contacts(
    cbs_code: CbsCode, sessions: SessionsDep, cipher: CipherDep, caller: CallerDep
) -> list[ContactPublic]:
    found = await contacts.read_all(sessions, cipher, caller, cbs_code)
    return [ContactPublic.model_validate(contact, from_attributes=True) for contact in found]


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
    caller: CallerDep,
    response: Response,
) -> ContactPublic:
    contact = await contacts.create(sessions, cipher, caller, cbs_code, **body.model_dump())
    response.headers["Location"] = f"/intake/api/v1/organisaties/{cbs_code}/contacten/{contact.id}"
    return ContactPublic.model_validate(contact, from_attributes=True)


@router.delete(
    "/{contact_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(404, 422),
    summary="Verwijder een contactpersoon",
    description="Met de rij verdwijnt ook de sleutel van de gegevens (crypto-shredding).",
)
async def delete_contact(
    cbs_code: CbsCode, contact_id: uuid.UUID, sessions: SessionsDep, caller: CallerDep
) -> Response:
    await contacts.delete(sessions, caller, cbs_code, contact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
