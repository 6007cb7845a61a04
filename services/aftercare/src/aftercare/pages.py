"""Aftercare's Dutch pages: the public request form and status page (no account), the
coordinator's queue and case page, and "mijn nazorg" for a peer.

Calm, short, phone-friendly; 112 for acute danger on every public page; no JavaScript needed.
Writes go through the same code as the API.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from ontour.application.errors import Refused
from ontour.i18n import N_
from ontour.service import SessionsDep
from ontour.web.api import CallerDep, CipherDep, Pagina, PrincipalDep, is_coordinator
from ontour.web.forms import FormState
from ontour.web.problems import Problem
from ontour.web.rendering import PageRenderer
from pydantic import ValidationError

from aftercare import views
from aftercare.domain.vocabulary import (
    CaseOutcome,
    CaseStatus,
    ContactMode,
    GenderWish,
    IncidentCategory,
    Referral,
    RequesterRole,
)
from aftercare.schemas import Aanvraag
from aftercare.usecases import cases, peers

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
LOCALE = HERE / "locale"
pages = PageRenderer("aftercare", TEMPLATES, LOCALE)
router = APIRouter(include_in_schema=False)
DEAD_LINK = "Deze statuslink werkt niet (meer)."
LISTS = ("incident_categories", "contact_modes", "reported", "consents")
LABELS = {
    "role": N_("Your role"),
    "incident_categories": N_("What happened"),
    "story": N_("In your own words"),
    "happened_on": N_("When did it happen"),
    "name": N_("Your name"),
    "email": N_("E-mail address"),
    "phone": N_("Telephone number"),
    "consent_handling": N_("Permission to handle your request"),
}


def _moment(form: FormState, name: str) -> datetime | None:
    """A step's moment from the page (the browser's date and time field, Dutch time)."""
    value = str(form.value(name) or "")
    return datetime.fromisoformat(value) if value else None


def _options(enum: Any) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in enum]


def _form_context(form: FormState) -> dict[str, Any]:
    return {
        "form": form,
        "labels": {name: pages.gettext(label) for name, label in LABELS.items()},
        "roles": _options(RequesterRole),
        "incidents": _options(IncidentCategory),
        "wishes": _options(GenderWish),
        "modes": _options(ContactMode),
    }


def _aanvraag(form: FormState) -> dict[str, Any]:
    consents = set(form.selected("consents"))
    ongoing = form.value("still_ongoing")
    return {
        "role": form.value("role") or None,
        "incident_categories": form.selected("incident_categories"),
        "story": form.value("story") or None,
        "happened_on": form.value("happened_on") or None,
        "still_ongoing": {"ja": True, "nee": False}.get(str(ongoing)),
        "reported": form.selected("reported"),
        "gender_wish": form.value("gender_wish") or GenderWish.GEEN_VOORKEUR.value,
        "wants_same_background": form.value("wants_same_background") == "ja",
        "contact_modes": form.selected("contact_modes"),
        "name": form.value("name") or None,
        "email": form.value("email") or None,
        "phone": form.value("phone") or None,
        "consent_handling": "behandeling" in consents,
        "consent_share_with_peer": "delen" in consents,
        "consent_statistics": "statistiek" in consents,
        "website": form.value("website") or None,
    }


# --- public ---------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def request_form(request: Request) -> HTMLResponse:
    form = FormState({name: [] for name in LISTS})
    return pages.render(request, "aftercare/aanvragen.html", _form_context(form))


@router.post("/aanvraag", response_class=HTMLResponse)
async def submit(request: Request, sessions: SessionsDep, cipher: CipherDep) -> Response:
    if int(request.headers.get("content-length") or 0) > views.MAX_BODY_BYTES:
        raise Problem(413, "Uw verzoek is te groot; maak het verhaal korter.")
    form = await FormState.from_request(request, lists=LISTS)
    try:
        body = Aanvraag.model_validate(_aanvraag(form))
    except ValidationError as error:
        failed = form.with_errors(error, {k: pages.gettext(v) for k, v in LABELS.items()})
        return pages.render(
            request, "aftercare/aanvragen.html", _form_context(failed), status_code=422
        )
    if not body.consent_handling:
        message = pages.gettext(
            N_(
                "Without your permission to handle the request we cannot help you, and we "
                "store nothing. Tick the first box if you want us to help."
            )
        )
        failed = FormState(form.values, {"consent_handling": message})
        return pages.render(
            request, "aftercare/aanvragen.html", _form_context(failed), status_code=422
        )
    stored = await views.receive(request, sessions, cipher, body)
    reference, url = None, None
    if stored is not None:  # None: the honeypot was filled in, a robot gets the same page
        reference, url = stored[0].reference, views.status_url(request, stored[1])
    return pages.render(
        request, "aftercare/ontvangen.html", {"reference": reference, "status_url": url}
    )


@router.get("/status/{token}", response_class=HTMLResponse)
async def status_page(request: Request, token: str, sessions: SessionsDep) -> HTMLResponse:
    row = await cases.by_status_link(sessions, token)
    if row is None:
        raise Problem(404, DEAD_LINK)
    context = {"row": row, "token": token, **await views.status_steps(sessions, row)}
    return pages.render(request, "aftercare/status.html", context)


@router.post("/status/{token}/intrekken", response_class=HTMLResponse)
async def withdraw(request: Request, token: str, sessions: SessionsDep) -> Response:
    if not await cases.withdraw(sessions, token):
        raise Problem(404, DEAD_LINK)
    return RedirectResponse(f"/aftercare/status/{token}", 303)


# --- coordinator and peer ----------------------------------------------------------------------


def _note_in_menu(request: Request, summary: cases.QueueSummary) -> None:
    note = pages.gettext(N_("%(count)s waiting")) % {"count": summary.waiting}
    if summary.at_risk:
        at_risk = pages.gettext(N_("%(count)s with service level at risk"))
        note = f"{note}, {at_risk % {'count': summary.at_risk}}"
    request.state.navigation_notes = {"/aftercare/wachtrij": note}


async def queue_in_menu(
    request: Request, sessions: SessionsDep, principal: PrincipalDep
) -> cases.QueueSummary | None:
    """On aftercare's own pages, a coordinator's menu item of the queue says how many
    requests wait for a peer and how many are at risk of missing their service level (the
    menu is the kit's; only aftercare knows these numbers)."""
    if not is_coordinator(principal):
        return None
    summary = await cases.queue_summary(sessions, datetime.now(UTC), views.policy(request))
    _note_in_menu(request, summary)
    return summary


InMenu = [Depends(queue_in_menu)]
CLOSED_PER_PAGE = 50


async def closed_page(
    request: Request,
    sessions: SessionsDep,
    page: int,
    *,
    peer_id: str | None,
    summary: cases.QueueSummary | None = None,
) -> Response:
    """One page of the closed and withdrawn requests, of the queue or of ``peer_id`` ("mijn
    nazorg"); a page past the last (an old bookmark, a list that shrank after erasures)
    sends the browser to the last one."""
    rows, total = await views.queue(
        sessions, request, closed=True, page=page, per_page=CLOSED_PER_PAGE, peer_id=peer_id
    )
    last_page = max(1, -(-total // CLOSED_PER_PAGE))
    if page > last_page:
        return RedirectResponse(str(request.url.include_query_params(pagina=last_page)), 303)
    return pages.render(
        request, "aftercare/afgesloten.html",
        {"rows": rows, "total": total, "summary": summary, "mine": peer_id is not None,
         "page": page, "last_page": last_page},
    )  # fmt: skip


@router.get("/wachtrij", response_class=HTMLResponse)
async def waiting(
    request: Request,
    sessions: SessionsDep,
    principal: PrincipalDep,
    afgesloten: bool = False,
    pagina: Pagina = 1,
) -> Response:
    """The open requests (the work to do) with their alerts and the proposal for whoever
    waits; ``?afgesloten=true`` the closed and withdrawn ones, a page at a time."""
    if afgesloten:
        summary = await queue_in_menu(request, sessions, principal)
        return await closed_page(request, sessions, pagina, peer_id=None, summary=summary)
    # One read of the open cases for the page and the menu's numbers alike.
    now = datetime.now(UTC)
    open_cases, _ = await cases.queue(sessions)
    summary = cases.summary_of(open_cases, now, views.policy(request))
    _note_in_menu(request, summary)
    rows = await views.queue_items(sessions, request, open_cases, now)
    batch = await peers.batch_proposal(sessions)
    return pages.render(
        request, "aftercare/wachtrij.html", {"rows": rows, "batch": batch, "summary": summary}
    )


@router.get("/peers", response_class=HTMLResponse, dependencies=InMenu)
async def peers_page(request: Request, sessions: SessionsDep) -> HTMLResponse:
    names = {row.id: row.name for row, _ in await peers.peers(sessions)}
    profiles = await peers.profiles(sessions)
    return pages.render(request, "aftercare/peers.html", {"peers": profiles, "names": names})


@router.get("/mijn-nazorg", response_class=HTMLResponse, dependencies=InMenu)
async def my_cases(
    request: Request,
    sessions: SessionsDep,
    principal: PrincipalDep,
    afgesloten: bool = False,
    pagina: Pagina = 1,
) -> Response:
    """A peer's open cases (their work) with the alerts for them; ``?afgesloten=true`` their
    closed and withdrawn ones, a page at a time (those grow with every year)."""
    if afgesloten:
        return await closed_page(request, sessions, pagina, peer_id=principal.subject)
    rows, _ = await views.queue(sessions, request, closed=False, peer_id=principal.subject)
    return pages.render(request, "aftercare/mijn_nazorg.html", {"rows": rows})


@router.get("/verzoeken/{case_id}", response_class=HTMLResponse, dependencies=InMenu)
async def case_page(
    request: Request,
    case_id: uuid.UUID,
    sessions: SessionsDep,
    cipher: CipherDep,
    principal: PrincipalDep,
    caller: CallerDep,
) -> HTMLResponse:
    case = await views.case_view(sessions, request, cipher, case_id)
    followed_up = await views.case_steps(sessions, request, caller, cipher, case)
    proposal = await views.proposal(sessions, case_id) if is_coordinator(principal) else None
    peer_options = []
    if proposal is not None and proposal.best is not None:
        suggested = pages.gettext(N_("proposal"))
        label = f"{proposal.best.peer_id} ({suggested})"
        peer_options = [(proposal.best.peer_id, label)] + [
            (c.peer_id, f"{c.peer_id}: {'; '.join(c.reasons)}") for c in proposal.alternatives
        ]
    return pages.render(
        request,
        "aftercare/verzoek.html",
        {
            "case": case,
            "proposal": proposal,
            "peer_options": peer_options,
            "modes": _options(ContactMode),
            "outcomes": _options(CaseOutcome),
            "referrals": _options(Referral),
            "statuses": CaseStatus,
            **followed_up,
        },
    )


@router.post("/verzoeken/{case_id}/{step}", response_class=HTMLResponse)
async def case_step(
    request: Request, case_id: uuid.UUID, step: str, sessions: SessionsDep,
    principal: PrincipalDep, caller: CallerDep,
) -> Response:  # fmt: skip
    """The case page's buttons: koppelen, weigeren, contact, start, afsluiten, wissen."""
    form = await FormState.from_request(request, lists=["referrals"])
    version = form.version()
    if step == "wissen" or step == "koppelen":
        if not is_coordinator(principal):
            raise Problem(403, "Alleen de coördinator kan dit.")
    else:
        await views.linked_case(sessions, caller, case_id)
    policy = views.policy(request)
    steps = {
        "koppelen": lambda: cases.assign(
            sessions, caller, case_id, str(form.value("peer_id")), expected_version=version,
            override_reason=str(form.value("override_reason")) or None,
            matched_at=_moment(form, "matched_at"),
        ),
        "weigeren": lambda: cases.decline(
            sessions, caller, case_id, principal.subject, expected_version=version
        ),
        "contact": lambda: cases.record_contact(
            sessions, caller, case_id, ContactMode(str(form.value("mode"))), policy,
            expected_version=version, contacted_at=_moment(form, "contacted_at"),
        ),
        "start": lambda: cases.start(sessions, caller, case_id, expected_version=version),
        "afsluiten": lambda: cases.close(
            sessions, caller, case_id, CaseOutcome(str(form.value("outcome"))),
            [Referral(r) for r in form.selected("referrals")], expected_version=version,
            closed_at=_moment(form, "closed_at"),
        ),
    }  # fmt: skip
    if step == "wissen":
        await views.erase_on_request(sessions, request, case_id, version)
    elif step in steps:
        try:
            with views.gone_if_erased():
                await steps[step]()
        except Refused:
            raise  # answered as every refusal is, not as a wrong choice below
        except ValueError:  # a choice that is not one of the options
            raise Problem(422, "Kies een geldige waarde.") from None
    else:
        raise Problem(404, "Deze stap bestaat niet.")
    target = "/aftercare/mijn-nazorg" if step == "weigeren" else f"/aftercare/verzoeken/{case_id}"
    return RedirectResponse(target, 303)
