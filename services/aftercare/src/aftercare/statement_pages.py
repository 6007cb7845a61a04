"""The pages of the statement draft (verklaring voor melding of aangifte): the requester's,
under their status link (whose secret never reaches a log: ``ontour.observability.redaction``),
and their peer's, with the requester's consent. Each request calls a use case of
:mod:`aftercare.usecases.statements`; the PDF comes from :mod:`aftercare.statement_pdf`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from ontour import clock
from ontour.application.errors import VersionConflict
from ontour.i18n import N_
from ontour.service import SessionsDep
from ontour.web.api import CallerDep, CipherDep
from ontour.web.forms import FormState
from ontour.web.problems import Problem
from starlette.concurrency import run_in_threadpool

from aftercare.dependencies import CaseKeysDep
from aftercare.domain import statement as rules
from aftercare.domain.statement import Domicile, Screenshot, Statement
from aftercare.domain.vocabulary import IncidentCategory
from aftercare.pages import pages
from aftercare.usecases import statements
from aftercare.usecases.statements import Draft

router = APIRouter(include_in_schema=False)
MAX_BODY_BYTES = 128 * 1024
EMPTY_SCREENSHOT_ROWS = 3  # without JavaScript: room for more, a save adds new empty rows
ONGOING = {"ja": True, "nee": False}
PDF_NAME = "verklaring-concept.pdf"
SAVED_ELSEWHERE = N_(
    "This statement was saved elsewhere in the meantime (in another tab or by someone else). "
    "What you typed is below and has not been saved: save again to keep it, or open the "
    "statement again to see the other version."
)


# --- the form ---------------------------------------------------------------------------------


def _form_of(draft: Draft) -> FormState:
    record = rules.as_record(draft.statement)
    values: dict[str, Any] = {
        **{name: value or "" for name, value in record.items() if name != "screenshots"},
        "incident_categories": list(record["incident_categories"]),
        "still_ongoing": rules.yes_no(draft.statement.still_ongoing),
        "version": draft.version,
    }
    for index, shot in enumerate(record["screenshots"]):
        values[f"screenshot-{index}-description"] = shot["description"]
        values[f"screenshot-{index}-taken_on"] = shot["taken_on"] or ""
    return FormState(values)


def _screenshot_rows(form: FormState) -> int:
    """How many screenshot rows the form had (the filled ones and the empty ones)."""
    rows = 0
    while f"screenshot-{rows}-description" in form.values:
        rows += 1
    return rows


def _parsed(form: FormState) -> tuple[Statement, dict[str, str]]:
    """The statement typed in the form, and the fields that are not what they should be."""
    errors: dict[str, str] = {}

    def day(name: str, error_name: str) -> date | None:
        value = str(form.value(name)).strip()
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            errors.setdefault(error_name, f"{_label(error_name)}: geef een datum (jjjj-mm-dd)")
            return None

    def moment(name: str) -> time | None:
        value = str(form.value(name)).strip()
        try:
            return time.fromisoformat(value) if value else None
        except ValueError:
            errors.setdefault(name, f"{_label(name)}: geef een tijd (uu:mm)")
            return None

    shots = []
    for index in range(_screenshot_rows(form)):
        description = str(form.value(f"screenshot-{index}-description")).strip()
        taken_on = day(f"screenshot-{index}-taken_on", "screenshots")
        if description or taken_on:
            shots.append(Screenshot(description or "schermafbeelding", taken_on))
    try:
        categories = tuple(IncidentCategory(c) for c in form.selected("incident_categories"))
    except ValueError:
        errors["incident_categories"] = f"{_label('incident_categories')}: kies uit de lijst"
        categories = ()
    try:
        domicile = Domicile(str(form.value("domicile") or Domicile.ORGANISATIE))
    except ValueError:
        errors["domicile"] = f"{_label('domicile')}: kies uit de lijst"
        domicile = Domicile.ORGANISATIE
    statement = Statement(
        incident_categories=categories,
        happened_on=day("happened_on", "happened_on"),
        happened_at=moment("happened_at"),
        screenshots=tuple(shots),
        still_ongoing=ONGOING.get(str(form.value("still_ongoing"))),
        domicile=domicile,
        **{name: str(form.value(name)).strip() for name in (
            "place", "what_happened", "platform", "account_names", "links", "witnesses",
            "earlier_reports", "organisation_address",
        )},
    )  # fmt: skip
    return statement, errors


def _label(name: str) -> str:
    return rules.LABELS[name]


async def _submitted(request: Request) -> FormState:
    """The posted form; a body declared over the limit is refused whole (413), nothing is
    kept (one sent in chunks meets the service's own body limit, and then the field limits)."""
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        raise Problem(413, "Uw verklaring is te groot om op te slaan; maak de teksten korter.")
    return await FormState.from_request(request, lists=["incident_categories"])


@dataclass(frozen=True, slots=True)
class Place:
    """Where a draft's page is: the requester's under their status link (``token``), or the
    peer's."""

    url: str
    save_url: str
    token: str | None = None

    @property
    def peer_view(self) -> bool:
        return self.token is None


def _requester_place(token: str) -> Place:
    url = f"/aftercare/status/{token}/verklaring"
    return Place(url, url, token)


def _peer_place(case_id: uuid.UUID) -> Place:
    url = f"/aftercare/verzoeken/{case_id}/verklaring"
    return Place(url, f"{url}/opslaan")


def _render(
    request: Request, draft: Draft, place: Place, form: FormState | None = None,
    status_code: int = 200, conflict: str | None = None,
) -> HTMLResponse:  # fmt: skip
    form = form or _form_of(draft)
    rows = max(_screenshot_rows(form), len(draft.statement.screenshots)) + EMPTY_SCREENSHOT_ROWS
    statement = draft.statement
    context = {
        "draft": draft,
        "form": form,
        "labels": rules.LABELS,
        "action": place.save_url,
        "own_url": place.url,
        "pdf_url": f"{place.url}.pdf",
        "peer_view": place.peer_view,
        "token": place.token,
        "saved": request.query_params.get("opgeslagen") == "ja",
        "conflict": conflict,
        "screenshot_rows": range(min(rows, rules.MAX_SCREENSHOTS)),
        "incidents": [(c.value, c.value) for c in IncidentCategory],
        "ongoing": [("ja", "ja"), ("nee", "nee"), ("", "weet ik niet")],
        "domiciles": [
            (Domicile.ORGANISATIE.value, "het adres van mijn organisatie (domiciliekeuze)"),
            (Domicile.EIGEN_ADRES.value, "mijn eigen adres (dat geef ik zelf op bij de politie)"),
        ],
        "domicile_explained": rules.DOMICILE_EXPLAINED,
        "nothing_sent": rules.NOTHING_SENT,
        "missing": [_label(name) for name in rules.missing_for_pdf(statement)],
        "plain_text": rules.plain_text(statement),
    }
    return pages.render(request, "aftercare/statement_form.html", context, status_code=status_code)


async def _save(
    request: Request,
    place: Place,
    reopen: Callable[[], Awaitable[Draft]],
    store: Callable[[Statement, int], Awaitable[int]],
) -> Response:
    """Store what the form holds; with an error nothing is stored and the form comes back
    (422) with what was typed and a Dutch summary of what to change."""
    form = await _submitted(request)
    version = form.version()
    statement, errors = _parsed(form)
    errors = errors or rules.violations(statement, clock.today())
    if errors:
        return _render(request, await reopen(), place, FormState(form.values, errors), 422)
    try:
        await store(statement, version)
    except VersionConflict:
        # Saved elsewhere meanwhile (another tab, or the other side): what was typed comes
        # back unsaved, now on the current version, so saving it again is a knowing choice.
        draft = await reopen()
        typed = FormState({**form.values, "version": draft.version})
        return _render(request, draft, place, typed, 409, pages.gettext(SAVED_ELSEWHERE))
    return RedirectResponse(f"{place.url}?opgeslagen=ja#opgeslagen", 303)


async def _pdf(reading: Awaitable[Draft]) -> Response:
    """The saved draft as PDF, once it holds what the police need."""
    try:
        draft = await reading
    except statements.NotPrintable as refused:
        if not refused.missing:
            raise Problem(409, "Sla de verklaring eerst op; daarna kunt u haar downloaden.") \
                from None  # fmt: skip
        raise Problem(
            422,
            "Vul eerst in wat de politie nodig heeft: "
            + ", ".join(_label(name) for name in refused.missing) + ".",
            invalid_params=[{"name": name, "reason": "is verplicht"} for name in refused.missing],
        ) from None  # fmt: skip
    # Imported here, not at the top: only this download needs it, and every process start (and
    # every rolling restart) would pay for loading it (tests/test_import_cost.py).
    from aftercare.statement_pdf import statement_pdf

    # Up to a second of CPU for a statement at every limit: not on the event loop.
    return Response(
        await run_in_threadpool(statement_pdf, draft.statement),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{PDF_NAME}"',
            "Cache-Control": "no-store",
        },
    )


# --- the requester, under their status link -----------------------------------------------------


@router.get("/status/{token}/verklaring", response_class=HTMLResponse)
async def requester_page(
    request: Request, token: str, sessions: SessionsDep, cipher: CipherDep, keys: CaseKeysDep,
    caller: CallerDep,
) -> HTMLResponse:  # fmt: skip
    draft = await statements.open_for_requester(sessions, caller, cipher, keys, token)
    return _render(request, draft, _requester_place(token))


@router.post("/status/{token}/verklaring", response_class=HTMLResponse)
async def requester_save(
    request: Request, token: str, sessions: SessionsDep, cipher: CipherDep, keys: CaseKeysDep,
    caller: CallerDep,
) -> Response:  # fmt: skip
    return await _save(
        request, _requester_place(token),
        lambda: statements.open_for_requester(sessions, caller, cipher, keys, token),
        lambda statement, version: statements.save_for_requester(
            sessions, caller, cipher, keys, token, statement, expected_version=version
        ),
    )  # fmt: skip


@router.get("/status/{token}/verklaring.pdf")
async def requester_pdf(
    token: str, sessions: SessionsDep, cipher: CipherDep, keys: CaseKeysDep, caller: CallerDep
) -> Response:
    return await _pdf(
        statements.open_for_requester(sessions, caller, cipher, keys, token, printing=True)
    )


@router.post("/status/{token}/verklaring/delen", response_class=HTMLResponse)
async def requester_share(
    request: Request, token: str, sessions: SessionsDep, caller: CallerDep
) -> Response:
    form = await FormState.from_request(request)
    share = form.value("share") == "ja"
    await statements.share_with_peer(
        sessions, caller, token, share, expected_version=form.version()
    )
    return RedirectResponse(f"{_requester_place(token).url}#delen", 303)


@router.post("/status/{token}/verklaring/wissen", response_class=HTMLResponse)
async def requester_delete(
    request: Request, token: str, sessions: SessionsDep, caller: CallerDep
) -> Response:
    form = await FormState.from_request(request)
    await statements.delete_for_requester(sessions, caller, token, expected_version=form.version())
    return RedirectResponse(f"/aftercare/status/{token}", 303)


# --- the peer, with the requester's consent -------------------------------------------------------


@router.get("/verzoeken/{case_id}/verklaring", response_class=HTMLResponse)
async def peer_page(
    request: Request, case_id: uuid.UUID, sessions: SessionsDep, cipher: CipherDep,
    keys: CaseKeysDep, caller: CallerDep,
) -> HTMLResponse:  # fmt: skip
    draft = await statements.open_for_peer(sessions, caller, cipher, keys, case_id)
    return _render(request, draft, _peer_place(case_id))


@router.post("/verzoeken/{case_id}/verklaring/opslaan", response_class=HTMLResponse)
async def peer_save(
    request: Request, case_id: uuid.UUID, sessions: SessionsDep, cipher: CipherDep,
    keys: CaseKeysDep, caller: CallerDep,
) -> Response:  # fmt: skip
    return await _save(
        request, _peer_place(case_id),
        lambda: statements.open_for_peer(sessions, caller, cipher, keys, case_id),
        lambda statement, version: statements.save_for_peer(
            sessions, caller, cipher, keys, case_id, statement, expected_version=version
        ),
    )  # fmt: skip


@router.get("/verzoeken/{case_id}/verklaring.pdf")
async def peer_pdf(
    case_id: uuid.UUID, sessions: SessionsDep, cipher: CipherDep, keys: CaseKeysDep,
    caller: CallerDep,
) -> Response:  # fmt: skip
    return await _pdf(
        statements.open_for_peer(sessions, caller, cipher, keys, case_id, printing=True)
    )
