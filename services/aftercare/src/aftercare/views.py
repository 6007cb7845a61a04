"""What the API and the pages of aftercare share at the edge: taking a request in (rate
limit, honeypot, who may fill in what), and how a case and the queue are shown (service level,
alerts, the proposal). Both edges call this; neither calls the other, and nothing here
changes state except through the use cases.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from ontour.audit import Caller
from ontour.auth.principal import Principal
from ontour.web.api import is_coordinator
from ontour.web.caller import caller_of
from ontour.web.problems import Problem, invalid

from aftercare.dependencies import case_keys, settings
from aftercare.domain.service_level import AMSTERDAM, Alert, SlaPolicy
from aftercare.domain.steps import REQUESTER_KINDS, ForgoneReason, StepKind, StepStatus
from aftercare.domain.vocabulary import CaseStatus
from aftercare.models import CaseRow, ErasedCaseRow
from aftercare.ratelimit import RateLimiter, client_of
from aftercare.repository import QueuedCase
from aftercare.schemas import Aanvraag, Kandidaat, Voorstel
from aftercare.step_schemas import Vervolgstap, VervolgstapIn, Wijziging
from aftercare.usecases import cases, checklists, erasure, step_changes, steps

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


def _queue_item(
    row: CaseRow | QueuedCase, policy_: SlaPolicy, now: datetime, step_alerts: Sequence[Alert] = ()
) -> dict[str, Any]:
    due, sla = cases.service_level(row, now, policy_)
    return {
        "alerts": [
            {"kind": a.kind.value, "recipient": a.recipient.value, "message": a.message}
            for a in (*cases.alerts(row, now, policy_), *step_alerts)
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
        "closed_at": row.closed_at,
    }


async def queue_items(
    sessions: Any, request: Request, rows: Sequence[QueuedCase], now: datetime
) -> list[dict[str, Any]]:
    """The queue's cases as both edges show them: service level, alerts and the reminders of
    steps that stand still (only an open case has any, so only those are looked up)."""
    still_open = [row.id for row in rows if row.status in cases.OPEN_STATUSES]
    stalled = await _step_reminders(sessions, request, still_open, now) if still_open else {}
    policy_ = policy(request)
    return [_queue_item(row, policy_, now, stalled.get(row.id, ())) for row in rows]


async def queue(
    sessions: Any,
    request: Request,
    *,
    closed: bool,
    page: int = 1,
    per_page: int | None = None,
    peer_id: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """One page (or all, without ``per_page``) of the open cases, or of the closed and
    withdrawn ones, of everyone or of ``peer_id``, and how many there are in all."""
    offset = (page - 1) * per_page if per_page else 0
    rows, total = await cases.queue(
        sessions, closed=closed, offset=offset, limit=per_page, peer_id=peer_id
    )
    return await queue_items(sessions, request, rows, datetime.now(UTC)), total


async def _step_reminders(
    sessions: Any, request: Request, case_ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, list[Alert]]:
    """The reminders for follow-up steps that stand still, per case."""
    working_days = settings(request).step_reminder_working_days
    return await steps.reminders(sessions, case_ids, now, working_days)


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
    now = datetime.now(UTC)
    stalled = await _step_reminders(sessions, request, [row.id], now)
    return {
        **_queue_item(row, policy(request), now, stalled.get(row.id, ())),
        "name": details.name if details else None,
        "email": details.email if details else None,
        "phone": details.phone if details else None,
        "story": details.story if details else None,
        "contact_modes": row.contact_modes,
        "consent_share_with_peer": row.consent_share_with_peer,
        "consent_statistics": row.consent_statistics,
        "matched_at": row.matched_at,
        "contacted_at": row.contacted_at,
        "outcome": row.outcome,
        "referrals": row.referrals,
    }


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


async def erase_on_request(
    sessions: Any, request: Request, case_id: uuid.UUID, expected: int | None
) -> None:
    """Erase a case on request (again: nothing to do)."""
    keys = await case_keys(request)
    await erasure.erase_on_request(sessions, caller_of(request), keys, case_id, expected)


# --- follow-up steps ------------------------------------------------------------------------------


def step_choices(*, requester: bool) -> dict[str, list[tuple[str, str]]]:
    """The options of the step form: a requester records only their own steps, and never
    proposes one."""
    kinds = [k for k in StepKind if not requester or k in REQUESTER_KINDS]
    statuses = [s for s in StepStatus if not requester or s is not StepStatus.VOORGESTELD]
    return {
        "kinds": [(k.value, k.value) for k in kinds],
        "statuses": [(s.value, s.value) for s in statuses],
        "reasons": [(r.value, r.value) for r in ForgoneReason],
    }


def step_input(body: VervolgstapIn) -> step_changes.StepInput:
    return step_changes.StepInput(body.kind, body.status, body.reason, body.registration_number)


def _vervolgstap(step: steps.Step) -> Vervolgstap:
    return Vervolgstap(
        kind=step.kind, status=step.status, reason=step.reason, changed_at=step.changed_at,
        registration_number=step.registration_number,
        history=[Wijziging(status=s, reason=r, actor=a, at=at) for s, r, a, at in step.history],
    )  # fmt: skip


async def steps_of_case(
    sessions: Any, request: Request, caller: Caller, cipher: Any, case_id: uuid.UUID
) -> list[Vervolgstap]:
    """A case's steps for its peer or a coordinator (a registration number read is audited)."""
    keys = await case_keys(request)
    with gone_if_erased():
        found = await steps.steps_of_case(sessions, caller, cipher, keys, case_id)
    return [_vervolgstap(step) for step in found]


async def record_step(
    sessions: Any, request: Request, caller: Caller, cipher: Any, case_id: uuid.UUID,
    body: VervolgstapIn,
) -> None:  # fmt: skip
    keys = await case_keys(request)
    with gone_if_erased():
        await steps.record_step(sessions, caller, cipher, keys, case_id, step_input(body))


async def case_steps(
    sessions: Any, request: Request, caller: Caller, cipher: Any, case: dict[str, Any]
) -> dict[str, Any]:
    """What the case page shows of the follow-up steps: the steps, their reminders, the form."""
    stalled = await _step_reminders(sessions, request, [case["id"]], datetime.now(UTC))
    return {
        "steps": await steps_of_case(sessions, request, caller, cipher, case["id"]),
        "step_reminders": [alert.message for alert in stalled.get(case["id"], ())],
        "step_choices": step_choices(requester=False),
        "checklist": await checklists.checklist_of(sessions, CaseStatus(case["status"])),
    }


async def status_steps(sessions: Any, row: CaseRow) -> dict[str, Any]:
    """What the status page shows of the follow-up steps (no registration number)."""
    found = await steps.steps_by_status_link(sessions, row)
    return {"steps": [_vervolgstap(step) for step in found],
            "step_choices": step_choices(requester=True)}  # fmt: skip
