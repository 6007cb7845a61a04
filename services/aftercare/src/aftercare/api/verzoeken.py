"""Aftercare requests: asked for in public (no account), handled by coordinator and peer.

Every read of personal data is audited. A peer sees only their own cases, and the
requester's details only when the requester agreed to share them with the peer.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response, status
from ontour.service import SessionsDep
from ontour.web.api import (
    CallerDep,
    CipherDep,
    IfMatch,
    Pagina,
    PerPagina,
    etag,
    expected_version,
    page_links,
)
from ontour.web.problems import Problem, problem_responses

from aftercare import views
from aftercare.schemas import (
    Aanvraag,
    Afgesloten,
    Afsluiting,
    Contact,
    Dossier,
    Koppeling,
    Ontvangen,
    Stap,
    Verzoeken,
    VerzoekInWachtrij,
    Voorstel,
)
from aftercare.usecases import cases

router = APIRouter(prefix="/verzoeken", tags=["nazorg"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=Ontvangen,
    responses=problem_responses(413, 422, 429),
    summary="Vraag nazorg aan (zonder account)",
    description="Zonder toestemming voor de behandeling wordt niets bewaren. Het antwoord "
    "geeft een kenmerk en een geheim adres om de status te volgen en het verzoek in te trekken.",
)
async def create_request(
    body: Aanvraag,
    request: Request,
    sessions: SessionsDep,
    cipher: CipherDep,
    content_length: Annotated[int | None, Header()] = None,
) -> Ontvangen:
    if content_length is not None and content_length > views.MAX_BODY_BYTES:
        raise Problem(413, "Uw verzoek is te groot; maak het verhaal korter.")
    stored = await views.receive(request, sessions, cipher, body)
    if stored is None:
        return Ontvangen(reference="NZ-ONTVANGEN", status_url="")
    row, token = stored
    return Ontvangen(reference=row.reference, status_url=views.status_url(request, token))


@router.get(
    "",
    response_model=Verzoeken,
    responses=problem_responses(422),
    summary="De wachtrij: wachttijd en stand van de termijn (zonder persoonsgegevens)",
    description="De open verzoeken (het werk dat er ligt), wie het langst wacht eerst; met "
    "`afgesloten=true` de afgesloten en ingetrokken verzoeken, de laatst afgesloten eerst. "
    "Per pagina.",
)
async def list_requests(
    request: Request,
    sessions: SessionsDep,
    afgesloten: Afgesloten = False,
    pagina: Pagina = 1,
    per_pagina: PerPagina = 20,
) -> Verzoeken:
    items, total = await views.queue(
        sessions, request, closed=afgesloten, page=pagina, per_page=per_pagina
    )
    return Verzoeken(
        items=[VerzoekInWachtrij.model_validate(item) for item in items],
        total=total,
        links=page_links(request, pagina, per_pagina, total),
    )


@router.get(
    "/{case_id}",
    response_model=Dossier,
    responses=problem_responses(403, 404, 410, 422),
    summary="Eén verzoek met persoonsgegevens (elke inzage wordt gelogd)",
)
async def get_request(
    case_id: uuid.UUID,
    request: Request,
    response: Response,
    sessions: SessionsDep,
    cipher: CipherDep,
) -> Any:
    found = await views.case_view(sessions, request, cipher, case_id)
    response.headers["ETag"] = etag(found["version"])
    return found


@router.get(
    "/{case_id}/voorstel",
    response_model=Voorstel,
    responses=problem_responses(404, 410, 422),
    summary="Het voorstel voor een peer, met de redenen",
)
async def get_proposal(case_id: uuid.UUID, sessions: SessionsDep) -> Voorstel:
    return await views.proposal(sessions, case_id)


@router.post(
    "/{case_id}/koppeling",
    status_code=204,
    response_class=Response,
    responses=problem_responses(404, 409, 410, 422, 428),
    summary="Koppel een peer: het voorstel, of een ander met een reden",
)
async def assign(
    case_id: uuid.UUID, body: Koppeling, sessions: SessionsDep, caller: CallerDep,
    if_match: IfMatch = None,
) -> Response:  # fmt: skip
    expected = expected_version(if_match, body.version)
    with views.gone_if_erased():
        await cases.assign(
            sessions, caller, case_id, body.peer_id, expected_version=expected,
            override_reason=body.override_reason, matched_at=body.matched_at,
        )  # fmt: skip
    return Response(status_code=204)


@router.post(
    "/{case_id}/weigering",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404, 409, 410, 422, 428),
    summary="De peer wijst het verzoek af (er volgt een nieuw voorstel)",
)
async def decline(
    case_id: uuid.UUID, body: Stap, sessions: SessionsDep, caller: CallerDep,
    if_match: IfMatch = None,
) -> Response:  # fmt: skip
    expected = expected_version(if_match, body.version)
    row = await views.linked_case(sessions, caller, case_id)
    with views.gone_if_erased():
        await cases.decline(sessions, caller, case_id, row.peer_id or "", expected_version=expected)
    return Response(status_code=204)


@router.post(
    "/{case_id}/contact",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404, 409, 410, 422, 428),
    summary="Leg het eerste contact vast",
)
async def contact(
    case_id: uuid.UUID, body: Contact, request: Request, sessions: SessionsDep,
    caller: CallerDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    expected = expected_version(if_match, body.version)
    await views.linked_case(sessions, caller, case_id)
    with views.gone_if_erased():
        await cases.record_contact(
            sessions, caller, case_id, body.mode, views.policy(request),
            expected_version=expected, contacted_at=body.contacted_at,
        )  # fmt: skip
    return Response(status_code=204)


@router.post(
    "/{case_id}/start",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404, 409, 410, 422, 428),
    summary="De nazorg loopt",
)
async def start(
    case_id: uuid.UUID, body: Stap, sessions: SessionsDep, caller: CallerDep,
    if_match: IfMatch = None,
) -> Response:  # fmt: skip
    expected = expected_version(if_match, body.version)
    await views.linked_case(sessions, caller, case_id)
    with views.gone_if_erased():
        await cases.start(sessions, caller, case_id, expected_version=expected)
    return Response(status_code=204)


@router.post(
    "/{case_id}/afsluiting",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404, 409, 410, 422, 428),
    summary="Sluit af met uitkomst en doorverwijzingen",
)
async def close(
    case_id: uuid.UUID, body: Afsluiting, sessions: SessionsDep, caller: CallerDep,
    if_match: IfMatch = None,
) -> Response:  # fmt: skip
    expected = expected_version(if_match, body.version)
    await views.linked_case(sessions, caller, case_id)
    with views.gone_if_erased():
        await cases.close(
            sessions, caller, case_id, body.outcome, body.referrals,
            expected_version=expected, closed_at=body.closed_at,
        )  # fmt: skip
    return Response(status_code=204)


@router.post(
    "/{case_id}/wissen",
    status_code=204,
    response_class=Response,
    responses=problem_responses(404, 422),
    summary="Wis het verzoek op verzoek van de aanvrager (er blijft alleen een grafsteen)",
    description="De sleutel wordt vernietigd (crypto-shredding) en het dossier verwijderd, met "
    "alles wat naar de persoon of naar de statistiek van het dossier wijst. Er blijven alleen "
    "id, kenmerk, wanneer en waarom. Nog eens wissen kan: 204.",
)
async def erase(case_id: uuid.UUID, request: Request, sessions: SessionsDep) -> Response:
    await views.erase_on_request(sessions, request, case_id, None)
    return Response(status_code=204)
