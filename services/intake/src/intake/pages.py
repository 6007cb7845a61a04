"""Intake's Dutch pages: organisations, the voorgesprek form, "mijn acties" and the import.

Plain HTML forms that work without JavaScript. A form with errors comes back with every
value still filled in and the errors listed at the top; writes go through the same
:mod:`intake.usecases` as the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from ontour.application.errors import Refused, VersionConflict
from ontour.audit import Caller
from ontour.clock import today
from ontour.contracts.intake import (
    PROTOCOL_FIELDS,
    DeelnemerRol,
    GespreksVorm,
    IncidentCategorie,
    OrganisatieVeld,
    ProtocolAntwoord,
    SessieVorm,
    SessieWens,
    Thema,
    TourStatus,
    VoorgesprekStatus,
    Weekdag,
)
from ontour.crypto import FieldCipher
from ontour.db import Sessions
from ontour.i18n import N_
from ontour.service import SessionsDep
from ontour.web.api import CallerDep, CipherDep, PrincipalDep, is_coordinator
from ontour.web.forms import FormState
from ontour.web.problems import Problem
from ontour.web.rendering import PageRenderer
from pydantic import ValidationError

from intake import repository
from intake.domain import protocol
from intake.domain.spreadsheet import TEMPLATE
from intake.domain.upload import FileUnreadable
from intake.domain.voorgesprek import DomainRuleBroken, TransitionRefused, VoorgesprekContent
from intake.models import OrganisationRow, Voorgesprek
from intake.repository import content_of
from intake.schemas import ContactCreate, ProtocolWijziging, PublicatieWijziging
from intake.usecases import contacts as contact_cases
from intake.usecases import follow_ups, imports, voorgesprekken
from intake.usecases import organisations as organisation_cases

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
LOCALE = HERE / "locale"
pages = PageRenderer("intake", TEMPLATES, LOCALE)
router = APIRouter(include_in_schema=False)

LIST_FIELDS = ("themes", "incident_categories", "preferred_weekdays", "avoid_weekdays")
FLAGS = ("attention_online_intimidation_women", "college_takes_part")
CHANGED_ELSEWHERE = N_(
    "Someone else changed this voorgesprek in the meantime (or you did, in another tab). What "
    "you filled in is below and has not been saved: save again to keep it, or open the "
    "voorgesprek again to see the other version."
)
LABELS: Mapping[str, str] = {
    "organisation_code": N_("Organisation"),
    "status": N_("Status"),
    "held_on": N_("Date"),
    "start_time": N_("Start time"),
    "mode": N_("Form of the conversation"),
    "teamleden": N_("Team members"),
    "themes": N_("Themes discussed"),
    "incident_count": N_("Number of known incidents"),
    "incident_categories": N_("Kinds of incidents"),
    "session_wish": N_("Does the organisation want a session?"),
    "session_format": N_("Format of the session"),
    "preferred_periods.0.start": N_("Preferred period from"),
    "preferred_periods.0.end": N_("Preferred period until"),
    "preferred_weekdays": N_("Preferred evenings"),
    "avoid_weekdays": N_("Meeting evenings to avoid"),
    "expected_participants": N_("Expected participants"),
    "location": N_("Location of the session"),
    "confidential_note": N_("Confidential note"),
    "file": N_("File"),
}


def _options(enum: Any) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in enum]


def _labels() -> dict[str, str]:
    return {name: pages.gettext(label) for name, label in LABELS.items()}


def _content_input(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form's flat fields as the shape ``VoorgesprekContent`` validates."""

    def text(name: str) -> str | None:
        value = str(values.get(name) or "").strip()
        return value or None

    start, end = text("preferred_periods.0.start"), text("preferred_periods.0.end")
    data: dict[str, Any] = {
        "organisation_code": (text("organisation_code") or "").upper() or None,
        "status": text("status"),
        "held_on": text("held_on"),
        "start_time": text("start_time"),
        "mode": text("mode"),
        "teamleden": [
            t.strip() for t in (text("teamleden") or "").replace(",", ";").split(";") if t.strip()
        ],
        "participants": {
            role.value: text(f"participants.{role.value}")
            for role in DeelnemerRol
            if text(f"participants.{role.value}")
        },
        "incident_count": text("incident_count"),
        "session_wish": text("session_wish"),
        "session_format": text("session_format"),
        "preferred_periods": [{"start": start, "end": end}] if start or end else [],
        "expected_participants": text("expected_participants"),
        "location": text("location"),
        "confidential_note": text("confidential_note"),
    }
    for name in LIST_FIELDS:
        data[name] = list(values.get(name) or [])
    for name in FLAGS:
        data[name] = values.get(name) == "ja"
    return data


def _form_values(content: VoorgesprekContent) -> dict[str, Any]:
    """A stored voorgesprek as the form's flat fields (the edit form)."""
    values: dict[str, Any] = content.model_dump(mode="json")
    values["teamleden"] = "; ".join(content.teamleden)
    for role, count in content.participants.items():
        values[f"participants.{role.value}"] = count
    if content.preferred_periods:
        values["preferred_periods.0.start"] = content.preferred_periods[0].start.isoformat()
        values["preferred_periods.0.end"] = content.preferred_periods[0].end.isoformat()
    for name in FLAGS:
        values[name] = "ja" if getattr(content, name) else ""
    values["start_time"] = content.start_time.strftime("%H:%M") if content.start_time else ""
    return {k: ("" if v is None else v) for k, v in values.items()}


def _form_context(form: FormState, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "labels": _labels(),
        "statuses": _options([VoorgesprekStatus.GEPLAND, VoorgesprekStatus.GEHOUDEN]),
        "modes": _options(GespreksVorm),
        "themes": _options(Thema),
        "incident_categories": _options(IncidentCategorie),
        "wishes": _options(SessieWens),
        "formats": _options(SessieVorm),
        "weekdays": _options(Weekdag),
        "roles": [(role.value, role.value) for role in DeelnemerRol],
        **extra,
    }


async def _organisation_options(sessions: Sessions) -> list[tuple[str, str]]:
    async with sessions() as session:
        names = await repository.current_organisation_names(session)
    return [(code, f"{name} ({code})") for code, name in names]


def _validate(form: FormState) -> tuple[VoorgesprekContent | None, FormState]:
    try:
        content = VoorgesprekContent.model_validate(_content_input(form.values))
    except ValidationError as error:
        return None, form.with_errors(error, _labels())
    return content, form


def _domain_error(form: FormState, error: DomainRuleBroken) -> FormState:
    label = pages.gettext(LABELS.get(error.field, N_("This field")))
    return FormState(form.values, {error.field: f"{label}: {error.reason}"})


# --- organisations -------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
async def organisations(
    request: Request,
    sessions: SessionsDep,
    provincie: Annotated[str | None, Query(pattern=r"^(PV\d{2})?$")] = None,
    status: Annotated[str | None, Query(max_length=40)] = None,
    zoek: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$")] = None,
    pagina: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    tour_status = TourStatus(status) if status in {s.value for s in TourStatus} else None
    where = repository.OrganisationFilter(
        province_code=provincie or None, tour_status=tour_status, name_contains=zoek or None
    )
    per_page = 50
    async with sessions() as session:
        rows, total = await repository.list_organisations(
            session, where, offset=(pagina - 1) * per_page, limit=per_page
        )
        provinces, _ = await repository.list_organisations(
            session,
            repository.OrganisationFilter(kind=repository.OrganisationKind.PROVINCIE),
            offset=0,
            limit=None,
        )
    query = request.url.query
    return pages.render(
        request,
        "intake/organisaties.html",
        {
            "rows": rows,
            "total": total,
            "page": pagina,
            "last_page": max(1, -(-total // per_page)),
            "provinces": [(p.cbs_code, p.name) for p in provinces],
            "statuses": _options(TourStatus),
            "filters": {"provincie": provincie or "", "status": status or "", "zoek": zoek or ""},
            "export_query": query,
        },
    )


PUBLICATION_LABELS: Mapping[str, str] = {
    "not_published": N_("Publication in the tour figures"),
    "note": N_("Explanation"),
}


def _publication_labels() -> dict[str, str]:
    return {name: pages.gettext(label) for name, label in PUBLICATION_LABELS.items()}


# The form's choice as the flag (anything else is missing: the schema says so in Dutch).
PUBLICATION_CHOICES: Mapping[str, bool] = {"ja": True, "nee": False}


async def _organisation_page(
    request: Request,
    cbs_code: str,
    sessions: Sessions,
    *,
    form: FormState | None = None,
    protocol_form: FormState | None = None,
    saved: bool = False,
    protocol_saved: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    async with sessions() as session:
        row = await repository.get_organisation(session, cbs_code)
        if row is None:
            raise Problem(404, f"Er is geen organisatie met CBS-code {cbs_code}.")
        voorgesprekken = await repository.voorgesprekken_of(session, cbs_code)
        timeline = await repository.timeline_of(session, cbs_code, limit=50)
        notes = await repository.notes_of(session, cbs_code)
        follow_ups, _ = await repository.list_follow_ups(
            session, repository.FollowUpFilter(organisation_code=cbs_code)
        )
        protocol_section = await _protocol_section(
            session, row, protocol_form, action=f"/intake/organisaties/{cbs_code}/protocol",
            saved=protocol_saved,
        )  # fmt: skip
    # What the form shows: as it is stored, unless the user's own values came back with errors.
    current = {"not_published": "ja" if row.not_published else "nee"}
    publication = FormState({**current, **form.values}, form.errors) if form else FormState(current)
    return pages.render(
        request,
        "intake/organisatie.html",
        {
            "organisation": row,
            "voorgesprekken": voorgesprekken,
            "timeline": timeline,
            "notes": notes,
            "follow_ups": follow_ups,
            "publication": publication,
            "publication_labels": _publication_labels(),
            "protocol": protocol_section,
            "saved": saved,
        },
        status_code=status_code,
    )


@router.get("/organisaties/{cbs_code}", response_class=HTMLResponse)
async def organisation(
    request: Request, cbs_code: str, sessions: SessionsDep, opgeslagen: bool = False,
    vastgelegd: bool = False,
) -> HTMLResponse:  # fmt: skip
    return await _organisation_page(
        request, cbs_code, sessions, saved=opgeslagen, protocol_saved=vastgelegd
    )


@router.post("/organisaties/{cbs_code}/publicatie", response_class=HTMLResponse)
async def set_publication(
    request: Request, cbs_code: str, sessions: SessionsDep, caller: CallerDep
) -> Response:
    """The organisation page's "niet publiceren" form: the same change as the API's PUT."""
    form = await FormState.from_request(request)
    version = form.version()
    try:
        body = PublicatieWijziging.model_validate(
            {
                "not_published": PUBLICATION_CHOICES.get(str(form.value("not_published"))),
                "note": str(form.value("note")).strip() or None,
                "version": version,
            }
        )
    except ValidationError as error:
        failed = form.with_errors(error, _publication_labels())
        return await _organisation_page(request, cbs_code, sessions, form=failed, status_code=422)
    try:
        await organisation_cases.set_publication(
            sessions, caller, cbs_code, body.not_published,
            note=body.note, expected_version=version,
        )  # fmt: skip
    except VersionConflict:
        message = pages.gettext(
            N_(
                "Someone else changed this organisation while you were working. The page now "
                "shows how it stands; make your change once more."
            )
        )
        # As it stands now (the choice made elsewhere), with the user's note kept.
        failed = FormState({"note": form.value("note")}, {"not_published": message})
        return await _organisation_page(request, cbs_code, sessions, form=failed, status_code=409)
    return RedirectResponse(f"/intake/organisaties/{cbs_code}?opgeslagen=1#publicatie", 303)


# --- the arrangements against aggression (organisation and voorgesprek page) ---------------------

PROTOCOL_FORM_LABELS: Mapping[str, str] = {
    "aggression_protocol": N_("Does it have an aggression protocol?"),
    "officials_reporting_point": N_("Does it have a reporting point for office holders?"),
    "police_liaison": N_("Does it have a fixed contact person at the police?"),
    "domicile_arrangements": N_("Does it have arrangements on choosing a domicile address?"),
    "since": N_("Valid from"),
}


def _protocol_labels() -> dict[str, str]:
    return {name: pages.gettext(label) for name, label in PROTOCOL_FORM_LABELS.items()}


async def _protocol_section(
    session: Any, row: OrganisationRow, form: FormState | None, *, action: str,
    since: Any = None, saved: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """What the section "Afspraken tegen agressie" shows: the current answers, the form
    (filled in with them, or with what the user sent back with errors) and the history."""
    current = protocol.stored(row.protocol)
    values: dict[str, Any] = {
        t.value: current[t].answer.value if t in current else "" for t in PROTOCOL_FIELDS
    }
    values.update(since=(since or today()).isoformat(), version=row.version)
    if form is not None:
        values.update(form.values)
    history = await repository.protocol_history_of(session, row.cbs_code)
    return {
        "current": [
            (
                protocol.PROTOCOL_LABELS[t].capitalize(),
                current[t].answer.value if t in current else pages.gettext(N_("not recorded")),
                current[t].since if t in current else None,
            )
            for t in PROTOCOL_FIELDS
        ],
        "history": [
            (
                protocol.PROTOCOL_LABELS[OrganisatieVeld(h.topic)].capitalize(),
                h.answer,
                h.since,
                h.recorded_by,
                h.recorded_at,
            )
            for h in history
        ],
        "form": FormState(values, form.errors if form else {}),
        "labels": _protocol_labels(),
        "fields": [t.value for t in PROTOCOL_FIELDS],
        "choices": _options(ProtocolAntwoord),
        "action": action,
        "saved": saved,
    }


async def _record_protocol(
    request: Request, sessions: Sessions, caller: Caller, cbs_code: str,
    voorgesprek_id: uuid.UUID | None,
) -> FormState | None:  # fmt: skip
    """The section's form posted: recorded (None), or the form with what is wrong."""
    form = await FormState.from_request(request)
    version = form.version()
    try:
        body = ProtocolWijziging.model_validate({
            **{name: form.value(name) or None for name in PROTOCOL_FORM_LABELS},
            "voorgesprek_id": voorgesprek_id, "version": version,
        })  # fmt: skip
    except ValidationError as error:
        return form.with_errors(error, _protocol_labels())
    answers = {t: getattr(body, t.value) for t in PROTOCOL_FIELDS}
    try:
        await organisation_cases.record_protocol(
            sessions, caller, cbs_code, answers, since=body.since, today=today(),
            expected_version=version, voorgesprek_id=voorgesprek_id,
        )  # fmt: skip
    except Refused as refused:
        field = refused.field or "since"
        label = _protocol_labels().get(field, field)
        return FormState(form.values, {field: f"{label}: {refused.detail}"})
    except VersionConflict:
        message = pages.gettext(
            N_(
                "Someone else changed this organisation while you were working. The page now "
                "shows how it stands; make your change once more."
            )
        )
        return FormState({}, {"since": message})
    return None


@router.post("/organisaties/{cbs_code}/protocol", response_class=HTMLResponse)
async def record_protocol(
    request: Request, cbs_code: str, sessions: SessionsDep, caller: CallerDep
) -> Response:
    """The organisation page's form for the arrangements against aggression."""
    failed = await _record_protocol(request, sessions, caller, cbs_code, None)
    if failed is not None:
        return await _organisation_page(
            request, cbs_code, sessions, protocol_form=failed, status_code=422
        )
    return RedirectResponse(f"/intake/organisaties/{cbs_code}?vastgelegd=1#protocol", 303)


@router.post("/voorgesprekken/{voorgesprek_id}/protocol", response_class=HTMLResponse)
async def record_protocol_at_voorgesprek(
    request: Request, voorgesprek_id: uuid.UUID, sessions: SessionsDep, caller: CallerDep,
    principal: PrincipalDep,
) -> Response:  # fmt: skip
    """The voorgesprek page's form: the answers given in this voorgesprek."""
    row = await _voorgesprek_row(sessions, voorgesprek_id)
    code = row.organisation_code
    failed = await _record_protocol(request, sessions, caller, code, voorgesprek_id)
    if failed is not None:
        return await _voorgesprek_page(
            request, row, sessions, principal, protocol_form=failed, status_code=422
        )
    return RedirectResponse(f"/intake/voorgesprekken/{voorgesprek_id}?vastgelegd=1#protocol", 303)


# --- the voorgesprek form ------------------------------------------------------------------------


@router.get("/voorgesprekken/nieuw", response_class=HTMLResponse)
async def new_voorgesprek(
    request: Request,
    sessions: SessionsDep,
    principal: PrincipalDep,
    organisatie: Annotated[str | None, Query(max_length=6)] = None,
) -> HTMLResponse:
    values: dict[str, Any] = {
        "organisation_code": organisatie or "",
        "status": VoorgesprekStatus.GEHOUDEN.value,
        "held_on": today().isoformat(),
        "teamleden": "" if is_coordinator(principal) else principal.subject,
        **{name: [] for name in LIST_FIELDS},
    }
    context = _form_context(
        FormState(values), organisations=await _organisation_options(sessions), editing=None
    )
    return pages.render(request, "intake/voorgesprek_form.html", context)


@router.post("/voorgesprekken/nieuw", response_class=HTMLResponse)
async def create_voorgesprek(
    request: Request,
    sessions: SessionsDep,
    cipher: CipherDep,
    principal: PrincipalDep,
    caller: CallerDep,
) -> Response:
    form = await FormState.from_request(request, lists=LIST_FIELDS)
    content, form = _validate(form)
    if content is not None:
        if not is_coordinator(principal) and principal.subject not in content.teamleden:
            content = content.model_copy(
                update={"teamleden": [*content.teamleden, principal.subject]}
            )
        item = voorgesprekken.NewVoorgesprek(content)
        try:
            await voorgesprekken.create(sessions, cipher, caller, item, today=today())
        except DomainRuleBroken as error:
            form = _domain_error(form, error)
        except voorgesprekken.UnknownOrganisation:
            form = FormState(
                form.values,
                {"organisation_code": pages.gettext(N_("Choose an organisation from the list."))},
            )
        else:
            return RedirectResponse(f"/intake/voorgesprekken/{item.id}?opgeslagen=1", 303)
    context = _form_context(form, organisations=await _organisation_options(sessions), editing=None)
    return pages.render(request, "intake/voorgesprek_form.html", context, status_code=422)


async def _voorgesprek_row(sessions: Sessions, voorgesprek_id: uuid.UUID) -> Voorgesprek:
    async with sessions() as session:
        row = await repository.get_voorgesprek(session, voorgesprek_id)
    if row is None:
        raise Problem(404, voorgesprekken.MISSING)
    return row


@router.get("/voorgesprekken/{voorgesprek_id}", response_class=HTMLResponse)
async def voorgesprek(
    request: Request,
    voorgesprek_id: uuid.UUID,
    sessions: SessionsDep,
    principal: PrincipalDep,
    opgeslagen: bool = False,
    vastgelegd: bool = False,
) -> HTMLResponse:
    row = await _voorgesprek_row(sessions, voorgesprek_id)
    return await _voorgesprek_page(
        request, row, sessions, principal, saved=opgeslagen, protocol_saved=vastgelegd
    )


async def _voorgesprek_page(
    request: Request, row: Voorgesprek, sessions: Sessions, principal: Any, *,
    saved: bool = False, protocol_form: FormState | None = None, protocol_saved: bool = False,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    voorgesprek_id = row.id
    async with sessions() as session:
        names = await repository.organisation_names(session, {row.organisation_code})
        history = await repository.history_of(session, voorgesprek_id)
        follow_ups, _ = await repository.list_follow_ups(
            session, repository.FollowUpFilter(voorgesprek_id=voorgesprek_id)
        )
        organisation = await repository.get_organisation(session, row.organisation_code)
        protocol_section = None
        if organisation is not None and row.status == VoorgesprekStatus.GEHOUDEN:
            protocol_section = await _protocol_section(
                session, organisation, protocol_form,
                action=f"/intake/voorgesprekken/{voorgesprek_id}/protocol", since=row.held_on,
                saved=protocol_saved,
            )  # fmt: skip
    return pages.render(
        request,
        "intake/voorgesprek.html",
        {
            "row": row,
            "content": content_of(row),
            "organisation_name": names.get(row.organisation_code, row.organisation_code),
            "history": history,
            "follow_ups": follow_ups,
            "saved": saved,
            "may_edit": voorgesprekken.may_edit(principal, row),
            "protocol": protocol_section,
        },
        status_code=status_code,
    )


@router.get("/voorgesprekken/{voorgesprek_id}/wijzigen", response_class=HTMLResponse)
async def edit_voorgesprek(
    request: Request,
    voorgesprek_id: uuid.UUID,
    sessions: SessionsDep,
    cipher: CipherDep,
    caller: CallerDep,
) -> HTMLResponse:
    row, note = await voorgesprekken.with_note(
        sessions, cipher, caller, voorgesprek_id, audit_without_note=False
    )
    values = {**_form_values(content_of(row, note)), "version": row.version}
    context = _form_context(
        FormState(values), organisations=await _organisation_options(sessions), editing=row
    )
    return pages.render(request, "intake/voorgesprek_form.html", context)


@router.post("/voorgesprekken/{voorgesprek_id}/wijzigen", response_class=HTMLResponse)
async def update_voorgesprek(
    request: Request,
    voorgesprek_id: uuid.UUID,
    sessions: SessionsDep,
    cipher: CipherDep,
    caller: CallerDep,
) -> Response:
    row = await _voorgesprek_row(sessions, voorgesprek_id)
    voorgesprekken.ensure_editor(caller.signed_in, row)
    form = await FormState.from_request(request, lists=LIST_FIELDS)
    content, form = _validate(form)
    status_code, conflict_message = 422, None
    if content is not None:
        try:
            version = int(str(form.values.get("version") or "0"))
            await voorgesprekken.update(
                sessions, cipher, caller, voorgesprek_id, content.model_dump(),
                expected_version=version, today=today(),
            )  # fmt: skip
        except DomainRuleBroken as error:
            form = _domain_error(form, error)
        except TransitionRefused as error:
            form = FormState(form.values, {"status": f"{pages.gettext(LABELS['status'])}: {error}"})
        except VersionConflict as conflict:
            # Changed elsewhere meanwhile: what was typed comes back unsaved, now on the
            # current version, so saving it again is a knowing choice (nothing is lost).
            status_code = 409
            conflict_message = pages.gettext(CHANGED_ELSEWHERE)
            form = FormState({**form.values, "version": conflict.current})
        except ValueError:
            form = FormState(form.values, {"version": pages.gettext(N_("This field")) + " ?"})
        else:
            return RedirectResponse(f"/intake/voorgesprekken/{voorgesprek_id}?opgeslagen=1", 303)
    context = _form_context(
        form,
        organisations=await _organisation_options(sessions),
        editing=row,
        conflict=conflict_message,
    )
    return pages.render(request, "intake/voorgesprek_form.html", context, status_code=status_code)


# --- mijn acties and the import ------------------------------------------------------------------


@router.get("/acties", response_class=HTMLResponse)
async def my_follow_ups(
    request: Request, sessions: SessionsDep, principal: PrincipalDep
) -> HTMLResponse:
    async with sessions() as session:
        rows, _ = await repository.list_follow_ups(
            session, repository.FollowUpFilter(owner=principal.subject)
        )
        names = await repository.organisation_names(session, {r.organisation_code for r in rows})
    return pages.render(request, "intake/acties.html", {"rows": rows, "names": names})


@router.post("/acties/{follow_up_id}/afgerond", response_class=HTMLResponse)
async def follow_up_done(
    request: Request, follow_up_id: uuid.UUID, sessions: SessionsDep, caller: CallerDep
) -> Response:
    form = await FormState.from_request(request)
    await follow_ups.finish(sessions, caller, follow_up_id, expected_version=form.version())
    return RedirectResponse("/intake/acties", 303)


CONTACT_LABELS: Mapping[str, str] = {
    "name": N_("Name"),
    "function": N_("Function"),
    "email": N_("E-mail address"),
    "phone": N_("Telephone number"),
}


async def _contacts_page(
    request: Request,
    cbs_code: str,
    sessions: Sessions,
    cipher: FieldCipher,
    caller: Caller,
    form: FormState,
    status: int,
) -> HTMLResponse:
    found = await contact_cases.read_all(sessions, cipher, caller, cbs_code)  # audited
    async with sessions() as session:
        organisation = await repository.get_organisation(session, cbs_code)
    labels = {name: pages.gettext(label) for name, label in CONTACT_LABELS.items()}
    return pages.render(
        request,
        "intake/contacten.html",
        {"organisation": organisation, "contacts": found, "form": form, "labels": labels},
        status_code=status,
    )


@router.get("/organisaties/{cbs_code}/contacten", response_class=HTMLResponse)
async def contacts(
    request: Request, cbs_code: str, sessions: SessionsDep, cipher: CipherDep, caller: CallerDep
) -> HTMLResponse:
    return await _contacts_page(request, cbs_code, sessions, cipher, caller, FormState(), 200)


@router.post("/organisaties/{cbs_code}/contacten", response_class=HTMLResponse)
async def add_contact(
    request: Request, cbs_code: str, sessions: SessionsDep, cipher: CipherDep, caller: CallerDep
) -> Response:
    form = await FormState.from_request(request)
    values = {k: (str(v).strip() or None) for k, v in form.values.items() if k in CONTACT_LABELS}
    try:
        body = ContactCreate.model_validate(values)
    except ValidationError as error:
        labels = {name: pages.gettext(label) for name, label in CONTACT_LABELS.items()}
        form = form.with_errors(error, labels)
        return await _contacts_page(request, cbs_code, sessions, cipher, caller, form, 422)
    await contact_cases.create(sessions, cipher, caller, cbs_code, **body.model_dump())
    return RedirectResponse(f"/intake/organisaties/{cbs_code}/contacten", 303)


@router.post("/organisaties/{cbs_code}/notities", response_class=HTMLResponse)
async def add_note(
    request: Request, cbs_code: str, sessions: SessionsDep, caller: CallerDep
) -> Response:
    form = await FormState.from_request(request)
    text = str(form.value("text")).strip()
    if not text or len(text) > 2000:
        raise Problem(422, "Een notitie heeft 1 tot 2000 tekens.")
    await organisation_cases.add_note(sessions, caller, cbs_code, text)
    return RedirectResponse(f"/intake/organisaties/{cbs_code}#notities", 303)


@router.get("/import", response_class=HTMLResponse)
async def import_page(request: Request, sessions: SessionsDep) -> HTMLResponse:
    async with sessions() as session:
        runs = await repository.recent_import_runs(session)
    return pages.render(
        request, "intake/import.html", {"runs": runs, "run": None, "template": TEMPLATE}
    )


@router.post("/import", response_class=HTMLResponse)
async def import_upload(
    request: Request,
    sessions: SessionsDep,
    cipher: CipherDep,
    caller: CallerDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    error = None
    run = None
    if file is None or not file.filename:
        error = pages.gettext(N_("Choose a CSV or XLSX file."))
    else:
        try:
            run = await imports.import_upload(
                sessions, cipher, caller, file.filename, file.read, today=today()
            )
        except FileUnreadable as unreadable:
            error = str(unreadable)
    if run is not None:
        return RedirectResponse(f"/intake/import/{run.id}", 303)
    async with sessions() as session:
        runs = await repository.recent_import_runs(session)
    form = FormState({}, {"file": error or ""})
    return pages.render(
        request,
        "intake/import.html",
        {"runs": runs, "run": None, "template": TEMPLATE, "form": form},
        status_code=422,
    )


@router.get("/import/{import_id}", response_class=HTMLResponse)
async def import_report(request: Request, import_id: uuid.UUID, sessions: SessionsDep) -> Any:
    async with sessions() as session:
        run = await repository.get_import_run(session, import_id)
        runs = await repository.recent_import_runs(session)
    if run is None:
        raise Problem(404, "Deze import bestaat niet.")
    return pages.render(
        request, "intake/import.html", {"runs": runs, "run": run, "template": TEMPLATE}
    )
