"""Peer profiles (coordinator) and "mijn nazorg" (a peer's own cases)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from ontour.service import SessionsDep
from ontour.web.api import (
    CallerDep,
    Pagina,
    PerPagina,
    PrincipalDep,
    RequiredIfMatch,
    SubjectId,
    etag,
    expected_version,
)
from ontour.web.problems import Problem, problem_responses
from pydantic import BaseModel, Field

from aftercare import views
from aftercare.models import PeerRow
from aftercare.schemas import Afgesloten, PeerIn, PeerPublic, VerzoekInWachtrij
from aftercare.usecases import peers

router = APIRouter(tags=["peers"])


def peer_public(row: PeerRow, active_cases: int) -> PeerPublic:
    return PeerPublic.model_validate({**row.model_dump(), "active_cases": active_cases})


@router.get("/peers", response_model=list[PeerPublic], summary="Peers met hun bezetting")
async def list_peers(sessions: SessionsDep) -> Any:
    return [peer_public(*found) for found in await peers.peers(sessions)]


@router.post(
    "/peers",
    status_code=status.HTTP_201_CREATED,
    response_model=PeerPublic,
    responses=problem_responses(409, 422),
    summary="Nieuw peerprofiel",
)
async def create_peer(body: PeerIn, sessions: SessionsDep, caller: CallerDep) -> Any:
    try:
        created = await peers.create_peer(sessions, caller, body.model_dump(mode="json"))
    except peers.Taken:
        raise Problem(409, f"Er is al een peer met id {body.id}.") from None
    return peer_public(*created)


@router.get(
    "/peers/{peer_id}",
    response_model=PeerPublic,
    responses=problem_responses(403, 404),
    summary="Eén peer (een peer ziet het eigen profiel)",
)
async def get_peer(
    peer_id: SubjectId, sessions: SessionsDep, caller: CallerDep, response: Response
) -> Any:
    row, load = await peers.peer(sessions, caller, peer_id)
    response.headers["ETag"] = etag(row.version)
    return peer_public(row, load)


@router.put(
    "/peers/{peer_id}",
    response_model=PeerPublic,
    responses=problem_responses(404, 409, 422, 428),
    summary="Wijzig een peerprofiel (capaciteit, beschikbaarheid, ervaring)",
)
async def update_peer(
    peer_id: SubjectId, body: PeerIn, sessions: SessionsDep, caller: CallerDep,
    if_match: RequiredIfMatch,
) -> Any:  # fmt: skip
    expected = expected_version(if_match)
    values = body.model_dump(mode="json", exclude={"id"})
    row, load = await peers.update_peer(
        sessions, caller, peer_id, values, expected_version=expected
    )
    return peer_public(row, load)


class Koppelvoorstel(BaseModel):
    """Het beste voorstel voor alle wachtende verzoeken samen."""

    voorstellen: dict[str, str | None] = Field(
        description="Per verzoek-id de voorgestelde peer (leeg: geen peer beschikbaar)."
    )


@router.get(
    "/koppelvoorstel",
    response_model=Koppelvoorstel,
    summary="Voorstel voor alle wachtende verzoeken samen (optimale toewijzing)",
    description="Bij schaarse capaciteit gaat wie het langst wacht voor.",
)
async def batch_proposal(sessions: SessionsDep) -> Koppelvoorstel:
    chosen = await peers.batch_proposal(sessions)
    return Koppelvoorstel(voorstellen={str(k): v for k, v in chosen.items()})


@router.get(
    "/mijn-nazorg",
    response_model=list[VerzoekInWachtrij],
    responses=problem_responses(422),
    summary="De nazorgverzoeken die aan mij zijn gekoppeld",
    description="Mijn open verzoeken (het werk dat er ligt), wie het langst wacht eerst; met "
    "`afgesloten=true` mijn afgesloten en ingetrokken verzoeken, de laatst afgesloten eerst, "
    "per pagina (`pagina`, `perPagina`; een kortere pagina is de laatste).",
)
async def my_cases(
    request: Request,
    sessions: SessionsDep,
    principal: PrincipalDep,
    afgesloten: Afgesloten = False,
    pagina: Pagina = 1,
    per_pagina: PerPagina = 20,
) -> Any:
    # The open ones are the work at hand (a peer's capacity bounds them): all at once. The
    # closed ones grow with every year: a page at a time.
    paging = {"page": pagina, "per_page": per_pagina} if afgesloten else {}
    items, _ = await views.queue(
        sessions, request, closed=afgesloten, peer_id=principal.subject, **paging
    )
    return items
