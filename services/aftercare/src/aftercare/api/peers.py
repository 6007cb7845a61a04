"""Peer profiles (coordinator) and "mijn nazorg" (a peer's own cases)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from ontour import audit
from ontour.auth.access import require
from ontour.db import transaction
from ontour.service import SessionsDep
from ontour.web.api import (
    PrincipalDep,
    RequiredIfMatch,
    SubjectId,
    conflict,
    etag,
    expected_version,
    is_coordinator,
)
from ontour.web.problems import Problem, problem_responses
from pydantic import BaseModel, Field
from sqlalchemy import update
from sqlmodel import col, select

from aftercare import cases
from aftercare.api.schemas import PeerIn, PeerPublic, VerzoekInWachtrij
from aftercare.api.verzoeken import queue
from aftercare.models import PeerRow

router = APIRouter(tags=["peers"])


async def peer_public(session: Any, row: PeerRow) -> PeerPublic:
    load = {p.peer_id: p.active_cases for p in await cases.peers_with_load(session)}
    return PeerPublic.model_validate({**row.model_dump(), "active_cases": load.get(row.id, 0)})


@router.get("/peers", response_model=list[PeerPublic], summary="Peers met hun bezetting")
async def list_peers(sessions: SessionsDep) -> Any:
    async with sessions() as session:
        rows = (await session.exec(select(PeerRow).order_by(col(PeerRow.name)))).all()
        return [await peer_public(session, row) for row in rows]


@router.post(
    "/peers",
    status_code=status.HTTP_201_CREATED,
    response_model=PeerPublic,
    responses=problem_responses(409, 422),
    summary="Nieuw peerprofiel",
)
async def create_peer(body: PeerIn, sessions: SessionsDep, request: Request) -> Any:
    async with transaction(sessions) as session:
        if await session.get(PeerRow, body.id) is not None:
            raise Problem(409, f"Er is al een peer met id {body.id}.")
        row = PeerRow(**body.model_dump(mode="json"))
        session.add(row)
        await session.flush()
        await audit.record(session, request, "aanmaken", "peer", body.id)
        return await peer_public(session, row)


@router.get(
    "/peers/{peer_id}",
    response_model=PeerPublic,
    responses=problem_responses(403, 404),
    summary="Eén peer (een peer ziet het eigen profiel)",
)
async def get_peer(
    peer_id: SubjectId, sessions: SessionsDep, principal: PrincipalDep, response: Response
) -> Any:
    async with sessions() as session:
        row = await session.get(PeerRow, peer_id)
        if row is None:
            raise Problem(404, "Deze peer bestaat niet.")
        require(principal, is_coordinator(principal) or principal.subject == peer_id)
        response.headers["ETag"] = etag(row.version)
        return await peer_public(session, row)


@router.put(
    "/peers/{peer_id}",
    response_model=PeerPublic,
    responses=problem_responses(404, 409, 422, 428),
    summary="Wijzig een peerprofiel (capaciteit, beschikbaarheid, ervaring)",
)
async def update_peer(
    peer_id: SubjectId, body: PeerIn, sessions: SessionsDep, request: Request,
    if_match: RequiredIfMatch,
) -> Any:  # fmt: skip
    expected = expected_version(if_match)
    async with transaction(sessions) as session:
        row = await session.get(PeerRow, peer_id, with_for_update=True)
        if row is None:
            raise Problem(404, "Deze peer bestaat niet.")
        if row.version != expected:
            raise conflict(row.version)
        values = body.model_dump(mode="json", exclude={"id"})
        await session.execute(
            update(PeerRow)
            .where(col(PeerRow.id) == peer_id)
            .values(**values, version=row.version + 1)
        )
        await audit.record(session, request, "wijzigen", "peer", peer_id)
        await session.refresh(row)
        return await peer_public(session, row)


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
    async with sessions() as session:
        chosen = await cases.batch_proposal(session)
    return Koppelvoorstel(voorstellen={str(k): v for k, v in chosen.items()})


@router.get(
    "/mijn-nazorg",
    response_model=list[VerzoekInWachtrij],
    summary="De nazorgverzoeken die aan mij zijn gekoppeld",
)
async def my_cases(request: Request, sessions: SessionsDep, principal: PrincipalDep) -> Any:
    async with sessions() as session:
        return await queue(session, request, peer=principal.subject)
