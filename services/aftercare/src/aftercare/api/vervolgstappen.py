"""A case's follow-up steps (vervolgstappen): what came of a melding, an aangifte, a
beveiligingsadvies, a woningscan or a referral. For the case's peer and the coordinator; the
requester records theirs on the status page. Reading a registration number is audited."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from ontour.service import SessionsDep
from ontour.web.api import CallerDep, CipherDep
from ontour.web.problems import problem_responses

from aftercare import views
from aftercare.step_schemas import Vervolgstap, VervolgstapIn

router = APIRouter(prefix="/verzoeken/{case_id}/vervolgstappen", tags=["nazorg"])


@router.get(
    "",
    response_model=list[Vervolgstap],
    responses=problem_responses(403, 404, 410, 422),
    summary="De vervolgstappen van een verzoek, met hun geschiedenis",
    description="Het registratienummer van een aangifte alleen voor wie de persoonsgegevens "
    "van het verzoek mag zien; elke inzage wordt gelogd.",
)
async def list_steps(
    case_id: uuid.UUID, request: Request, sessions: SessionsDep, caller: CallerDep,
    cipher: CipherDep,
) -> Any:  # fmt: skip
    return await views.steps_of_case(sessions, request, caller, cipher, case_id)


@router.post(
    "",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404, 409, 410, 422),
    summary="Leg een vervolgstap vast of werk hem bij",
    description="Een stap gaat van voorgesteld naar aangevraagd naar afgerond, of er wordt "
    "van afgezien (met een reden). Een verzoek heeft hoogstens één stap van elke soort.",
)
async def record_step(
    case_id: uuid.UUID, body: VervolgstapIn, request: Request, sessions: SessionsDep,
    caller: CallerDep, cipher: CipherDep,
) -> Response:  # fmt: skip
    await views.record_step(sessions, request, caller, cipher, case_id, body)
    return Response(status_code=204)
