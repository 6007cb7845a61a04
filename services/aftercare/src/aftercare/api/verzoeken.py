"""Aftercare requests: asked for in public (no account), handled by coordinator and peer.

Every read of personal data is audited. A peer sees only their own cases, and the
requester's details only when the requester agreed to share them with the peer.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Response, status
from ontour.audit import Caller
from ontour.auth.principal import Principal
from ontour.service import SessionsDep
from ontour.web.api import CallerDep, CipherDep, IfMatch, etag, expected_version, is_coordinator
from ontour.web.caller import caller_of
from ontour.web.problems import Problem, invalid, problem_responses

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
from aftercare.dependencies import case_keys, settings
from aftercare.domain.service_level import AMSTERDAM, SlaPolicy
from aftercare.models import CaseRow, ErasedCaseRow
from aftercare.ratelimit import RateLimiter, client_of
from aftercare.usecases import cases, erasure

router = APIRouter(prefix="/verzoeken", tags=["nazorg"])
MAX_BODY_BYTES = 64 * 1024


def policy(request: Request) -> SlaPolicy:
    return SlaPolicy(working_days=settings(request).first_contact_working_days)


def limiter(request: Request) -> RateLimiter:
    state = request.app.state
    if not hasattr(state, "request_limiter"):
        per_hour = settings(request).requests_per_client_per_hour
        state.request_limiter = RateLimiter(per_hour)
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
    return await cases.submit(
        sessions, caller_of(request), cipher, keys, submission(body),
        entered_by=user.subject if user else None,
    )  # fmt: skip


def status_url(request: Request, token: str) -> str:
    base = settings(request).public_base_url.rstrip("/")
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


async def queue(sessions: Any, request: Request, peer: str | None = None) -> list[dict[str, Any]]:
    rows = await cases.queue(sessions, peer)
    now = datetime.now(UTC)
    return [_queue_item(row, policy(request), now) for row in rows]


@router.get(
    "",
    response_model=list[VerzoekInWachtrij],
    summary="De wachtrij: wachttijd en stand van de termijn (zonder persoonsgegevens)",
)
async def list_requests(request: Request, sessions: SessionsDep) -> Any:
    return await queue(sessions, request)


def erased(tombstone: ErasedCaseRow) -> Problem:
    """410 for an erased case: that it existed, when and why it was erased, nothing more."""
    return Problem(
        410,
        f"Dit verzoek ({tombstone.reference}) is gewist op "
        f"{tombstone.erased_at.astimezone(AMSTERDAM):%d-%m-%Y} "
        f"({tombstone.reason}); er is niets meer van bewaard.",
        title="Gewist",
    )


async def case_view(
    sessions: Any, request: Request, cipher: Any, case_id: uuid.UUID
) -> dict[str, Any]:
    """One case with its personal fields for whoever may see them; the read is audited."""
    keys = await case_keys(request)
    with gone_if_erased():
        row, details = await cases.read_case(sessions, caller_of(request), cipher, keys, case_id)
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
) -> Any:
    found = await case_view(sessions, request, cipher, case_id)
    response.headers["ETag"] = etag(found["version"])
    return found


def _candidate(c: Any) -> Kandidaat:
    return Kandidaat(peer_id=c.peer_id, score=round(c.score, 2), reasons=list(c.reasons))


async def proposal(sessions: Any, case_id: uuid.UUID) -> Voorstel:
    with gone_if_erased():
        found, best = await cases.proposal(sessions, case_id)
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
    return await proposal(sessions, case_id)


@contextlib.contextmanager
def gone_if_erased() -> Iterator[None]:
    """An erased case as a 410; the other refusals are answered as in every service."""
    try:
        yield
    except cases.Erased as error:
        raise erased(error.tombstone) from None


async def linked_case(sessions: Any, caller: Caller, case_id: uuid.UUID) -> CaseRow:
    """The case, when the caller is its peer or a coordinator (else 403)."""
    with gone_if_erased():
        return await cases.linked_case(sessions, caller, case_id)


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
    with gone_if_erased():
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
    row = await linked_case(sessions, caller, case_id)
    with gone_if_erased():
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
    await linked_case(sessions, caller, case_id)
    with gone_if_erased():
        await cases.record_contact(
            sessions, caller, case_id, body.mode, policy(request),
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
    await linked_case(sessions, caller, case_id)
    with gone_if_erased():
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
    await linked_case(sessions, caller, case_id)
    with gone_if_erased():
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
    await erase_on_request(sessions, request, case_id, None)
    return Response(status_code=204)


async def erase_on_request(
    sessions: Any, request: Request, case_id: uuid.UUID, expected: int | None
) -> None:
    """Erase a case on request (again: nothing to do)."""
    keys = await case_keys(request)
    await erasure.erase_on_request(sessions, caller_of(request), keys, case_id, expected)
