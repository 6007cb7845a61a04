"""Aftercare requests: asked for in public (no account), handled by coordinator and peer.

Every read of personal data is audited. A peer sees only their own cases, and the
requester's details only when the requester agreed to share them with the peer.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response, status
from ontour import audit
from ontour.auth.access import require
from ontour.auth.principal import Principal
from ontour.db import transaction
from ontour.service import SessionsDep
from ontour.web.api import (
    CipherDep,
    IfMatch,
    PrincipalDep,
    conflict,
    etag,
    expected_version,
    is_coordinator,
)
from ontour.web.problems import Problem, invalid, problem_responses
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from aftercare import cases
from aftercare.api.schemas import (
    Aanvraag,
    Afsluiting,
    Contact,
    Dossier,
    Kandidaat,
    Koppeling,
    Ontvangen,
    Stap,
    VerzoekInWachtrij,
    Voorstel,
)
from aftercare.domain.service_level import AMSTERDAM, SlaPolicy
from aftercare.domain.vocabulary import ErasureReason
from aftercare.keystore import case_keys
from aftercare.models import CaseRow, ErasedCaseRow
from aftercare.ratelimit import RateLimiter, client_of

router = APIRouter(prefix="/verzoeken", tags=["nazorg"])
MAX_BODY_BYTES = 64 * 1024


def policy(request: Request) -> SlaPolicy:
    return SlaPolicy(working_days=request.app.state.runtime.settings.first_contact_working_days)


def limiter(request: Request) -> RateLimiter:
    state = request.app.state
    if not hasattr(state, "request_limiter"):
        settings = state.runtime.settings
        state.request_limiter = RateLimiter(settings.requests_per_client_per_hour)
    found: RateLimiter = state.request_limiter
    return found


def submission(body: Aanvraag) -> cases.Submission:
    return cases.Submission(
        role=body.role,
        incident_categories=tuple(dict.fromkeys(body.incident_categories)),
        gender_wish=body.gender_wish,
        consent_handling=body.consent_handling,
        consent_share_with_peer=body.consent_share_with_peer,
        consent_statistics=body.consent_statistics,
        name=body.name,
        email=body.email,
        phone=body.phone,
        story=body.story,
        organisation_code=body.organisation_code,
        province_code=body.province_code,
        happened_on=body.happened_on,
        still_ongoing=body.still_ongoing,
        reported=tuple(dict.fromkeys(body.reported)),
        wants_same_background=body.wants_same_background,
        contact_modes=tuple(dict.fromkeys(body.contact_modes)),
        language=body.language,
        received_at=body.received_at,
    )


async def receive(
    request: Request, sessions: Any, cipher: Any, body: Aanvraag
) -> tuple[CaseRow, str] | None:
    """Store a request from the form or the API; None for a bot (honeypot filled)."""
    user: Principal | None = getattr(request.state, "user", None)
    if user is None and not limiter(request).allow(client_of(request)):
        raise Problem(429, "U heeft veel verzoeken kort na elkaar verstuurd. Probeer het later "
                           "nog eens, of bel bij acute dreiging 112.")  # fmt: skip
    if body.website:
        return None  # a field people never see: only robots fill it in
    if body.received_at is not None and (user is None or not is_coordinator(user)):
        raise invalid(
            "received_at",
            "alleen de coördinator kan invullen wanneer een verzoek binnenkwam; laat dit leeg",
        )
    if not body.consent_handling:
        raise invalid(
            "consent_handling",
            "zonder uw toestemming om het verzoek te behandelen kunnen wij niets voor u doen "
            "en bewaren wij niets",
        )
    keys = await case_keys(request)
    with refusals_as_problems():
        async with transaction(sessions) as session:
            row, token = await cases.submit(
                session, cipher, keys, submission(body), entered_by=user.subject if user else None
            )
            await audit.record(session, request, "aanmaken", "nazorgverzoek", str(row.id))
    return row, token


def status_url(request: Request, token: str) -> str:
    base = request.app.state.runtime.settings.public_base_url.rstrip("/")
    return f"{base}/aftercare/status/{token}"


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
    if content_length is not None and content_length > MAX_BODY_BYTES:
        raise Problem(413, "Uw verzoek is te groot; maak het verhaal korter.")
    stored = await receive(request, sessions, cipher, body)
    if stored is None:
        return Ontvangen(reference="NZ-ONTVANGEN", status_url="")
    row, token = stored
    return Ontvangen(reference=row.reference, status_url=status_url(request, token))


def _queue_item(row: CaseRow, policy_: SlaPolicy, now: datetime) -> dict[str, Any]:
    due, sla = cases.service_level(row, now, policy_)
    return {
        "alerts": [
            {"kind": a.kind.value, "recipient": a.recipient.value, "message": a.message}
            for a in cases.alerts(row, now, policy_)
        ],
        "id": row.id,
        "reference": row.reference,
        "status": row.status,
        "role": row.role,
        "incident_categories": row.incident_categories,
        "gender_wish": row.gender_wish,
        "requested_at": row.requested_at,
        "waiting_days": (now - row.requested_at).days,
        "first_contact_due": due,
        "service_level": sla.value,
        "peer_id": row.peer_id,
        "proposed_peer_id": row.proposed_peer_id,
        "version": row.version,
    }


async def queue(
    session: AsyncSession, request: Request, peer: str | None = None
) -> list[dict[str, Any]]:
    query = select(CaseRow).order_by(col(CaseRow.requested_at))
    if peer is not None:
        query = query.where(col(CaseRow.peer_id) == peer)
    rows = (await session.exec(query)).all()
    now = datetime.now(UTC)
    return [_queue_item(row, policy(request), now) for row in rows]


@router.get(
    "",
    response_model=list[VerzoekInWachtrij],
    summary="De wachtrij: wachttijd en stand van de termijn (zonder persoonsgegevens)",
)
async def list_requests(request: Request, sessions: SessionsDep) -> Any:
    async with sessions() as session:
        return await queue(session, request)


def erased(tombstone: ErasedCaseRow) -> Problem:
    """410 for an erased case: that it existed, when and why it was erased, nothing more."""
    return Problem(
        410,
        f"Dit verzoek ({tombstone.reference}) is gewist op "
        f"{tombstone.erased_at.astimezone(AMSTERDAM):%d-%m-%Y} "
        f"({tombstone.reason}); er is niets meer van bewaard.",
        title="Gewist",
    )


async def existing(session: AsyncSession, case_id: uuid.UUID) -> CaseRow:
    """The case, or a 404 (never was) or a 410 (erased)."""
    row = await session.get(CaseRow, case_id)
    if row is not None:
        return row
    tombstone = await session.get(ErasedCaseRow, case_id)
    raise Problem(404, "Dit verzoek bestaat niet.") if tombstone is None else erased(tombstone)


async def dossier(
    session: AsyncSession, request: Request, cipher: Any, principal: Principal, case_id: uuid.UUID
) -> dict[str, Any]:
    """One case with its personal fields for whoever may see them; the read is audited."""
    row = await existing(session, case_id)
    own = row.peer_id == principal.subject
    require(
        principal,
        is_coordinator(principal) or own,
        reason="U ziet alleen de nazorgverzoeken die aan u zijn gekoppeld.",
    )
    shared = is_coordinator(principal) or row.consent_share_with_peer
    details = await cases.read_details(cipher, await case_keys(request), row) if shared else None
    if details is not None:
        await audit.record(session, request, "lezen", "nazorgverzoek", str(case_id))
    return {
        **_queue_item(row, policy(request), datetime.now(UTC)),
        "name": details.name if details else None,
        "email": details.email if details else None,
        "phone": details.phone if details else None,
        "story": details.story if details else None,
        "contact_modes": row.contact_modes,
        "consent_share_with_peer": row.consent_share_with_peer,
        "consent_statistics": row.consent_statistics,
        "matched_at": row.matched_at,
        "contacted_at": row.contacted_at,
        "closed_at": row.closed_at,
        "outcome": row.outcome,
        "referrals": row.referrals,
    }


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
    principal: PrincipalDep,
) -> Any:
    async with transaction(sessions) as session:
        found = await dossier(session, request, cipher, principal, case_id)
    response.headers["ETag"] = etag(found["version"])
    return found


def _candidate(c: Any) -> Kandidaat:
    return Kandidaat(peer_id=c.peer_id, score=round(c.score, 2), reasons=list(c.reasons))


async def proposal(session: AsyncSession, case_id: uuid.UUID) -> Voorstel:
    row = await existing(session, case_id)
    found = await cases.proposal_for(session, row)
    best = found.next_candidate(row.declined_by)
    return Voorstel(
        best=_candidate(best) if best else None,
        alternatives=[
            _candidate(c) for c in found.candidates if best and c.peer_id != best.peer_id
        ],
        excluded={e.peer_id: list(e.reasons) for e in found.excluded},
    )


@router.get(
    "/{case_id}/voorstel",
    response_model=Voorstel,
    responses=problem_responses(404, 410, 422),
    summary="Het voorstel voor een peer, met de redenen",
)
async def get_proposal(case_id: uuid.UUID, sessions: SessionsDep) -> Voorstel:
    async with sessions() as session:
        return await proposal(session, case_id)


@contextlib.contextmanager
def refusals_as_problems() -> Iterator[None]:
    try:
        yield
    except cases.NotFound:
        raise Problem(404, "Dit verzoek bestaat niet.") from None
    except cases.Erased as error:
        raise erased(error.tombstone) from None
    except cases.InvalidMoment as error:
        raise invalid(error.field, error.reason) from None
    except cases.VersionConflict as error:
        raise conflict(error.current) from None
    except cases.Refused as error:
        raise Problem(409, f"Dit kan niet: {error}.") from None


async def apply_step(
    sessions: Any,
    request: Request,
    case_id: uuid.UUID,
    action: str,
    step: Callable[[AsyncSession], Awaitable[None]],
) -> None:
    with refusals_as_problems():
        async with transaction(sessions) as session:
            await step(session)
            await audit.record(session, request, action, "nazorgverzoek", str(case_id))


async def own_or_coordinator(sessions: Any, principal: Principal, case_id: uuid.UUID) -> CaseRow:
    async with sessions() as session:
        row = await existing(session, case_id)
    require(
        principal,
        is_coordinator(principal) or row.peer_id == principal.subject,
        reason="Dit nazorgverzoek is niet aan u gekoppeld.",
    )
    return row


async def own_step(
    sessions: Any,
    request: Request,
    principal: Principal,
    case_id: uuid.UUID,
    action: str,
    step: Callable[[AsyncSession], Awaitable[None]],
) -> Response:
    """A step of the linked peer (or a coordinator) on a case, as a 204."""
    await own_or_coordinator(sessions, principal, case_id)
    await apply_step(sessions, request, case_id, action, step)
    return Response(status_code=204)


@router.post(
    "/{case_id}/koppeling",
    status_code=204,
    response_class=Response,
    responses=problem_responses(404, 409, 410, 422, 428),
    summary="Koppel een peer: het voorstel, of een ander met een reden",
)
async def assign(
    case_id: uuid.UUID, body: Koppeling, request: Request, sessions: SessionsDep,
    if_match: IfMatch = None,
) -> Response:  # fmt: skip
    expected = expected_version(if_match, body.version)
    await apply_step(
        sessions, request, case_id, "koppelen",
        lambda s: cases.assign(s, case_id, body.peer_id, expected_version=expected,
                               override_reason=body.override_reason, matched_at=body.matched_at),
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
    case_id: uuid.UUID, body: Stap, request: Request, sessions: SessionsDep,
    principal: PrincipalDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    expected = expected_version(if_match, body.version)
    row = await own_or_coordinator(sessions, principal, case_id)
    peer = row.peer_id or ""
    await apply_step(
        sessions, request, case_id, "afwijzen",
        lambda s: cases.decline(s, case_id, peer, expected_version=expected),
    )  # fmt: skip
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
    principal: PrincipalDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    expected = expected_version(if_match, body.version)
    return await own_step(
        sessions, request, principal, case_id, "contact",
        lambda s: cases.record_contact(s, case_id, body.mode, policy(request),
                                       expected_version=expected, contacted_at=body.contacted_at),
    )  # fmt: skip


@router.post(
    "/{case_id}/start",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404, 409, 410, 422, 428),
    summary="De nazorg loopt",
)
async def start(
    case_id: uuid.UUID, body: Stap, request: Request, sessions: SessionsDep,
    principal: PrincipalDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    expected = expected_version(if_match, body.version)
    return await own_step(
        sessions, request, principal, case_id, "starten",
        lambda s: cases.start(s, case_id, expected_version=expected),
    )  # fmt: skip


@router.post(
    "/{case_id}/afsluiting",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404, 409, 410, 422, 428),
    summary="Sluit af met uitkomst en doorverwijzingen",
)
async def close(
    case_id: uuid.UUID, body: Afsluiting, request: Request, sessions: SessionsDep,
    principal: PrincipalDep, if_match: IfMatch = None,
) -> Response:  # fmt: skip
    expected = expected_version(if_match, body.version)
    return await own_step(
        sessions, request, principal, case_id, "afsluiten",
        lambda s: cases.close(s, case_id, body.outcome, body.referrals,
                              expected_version=expected, closed_at=body.closed_at),
    )  # fmt: skip


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
    await erase_on_request(sessions, request, case_id, None)
    return Response(status_code=204)


async def erase_on_request(
    sessions: Any, request: Request, case_id: uuid.UUID, expected: int | None
) -> None:
    """Erase a case on request (again: nothing to do)."""
    keys = await case_keys(request)

    async def step(session: AsyncSession) -> None:
        try:
            row = await cases.locked(session, case_id, expected)
        except cases.Erased:
            return  # erased before: nothing is left to erase
        await cases.erase(session, keys, row, ErasureReason.ON_REQUEST)

    await apply_step(sessions, request, case_id, "wissen", step)
