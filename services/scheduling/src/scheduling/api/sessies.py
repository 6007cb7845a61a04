"""Sessions: list, read, confirm, change by hand, cancel, record the outcome; calendars.

Every change names its version (If-Match or ``version``). A manual change is checked against
the planner's hard rules and refused with the broken rules in Dutch (422).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from ontour import audit
from ontour.auth.access import require
from ontour.db import transaction
from ontour.service import SessionsDep
from ontour.web.api import (
    PRINTABLE,
    Formaat,
    IfMatch,
    IsoDate,
    PrincipalDep,
    SubjectId,
    conflict,
    etag,
    expected_version,
    is_coordinator,
)
from ontour.web.export import EXPORT_RESPONSES, ExportTable, export_response, requested_format
from ontour.web.problems import Problem, invalid, problem_responses
from sqlalchemy import delete
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from scheduling import repository
from scheduling import sessions as lifecycle
from scheduling.api.schemas import Agendafeed, SessiePublic, SessieWijziging, Uitkomst
from scheduling.calendar_rows import entry_of
from scheduling.domain.calendar import CalendarEntry, build_event_ics, build_feed
from scheduling.domain.session import StepRefused
from scheduling.models import CalendarToken, SessionRow

router = APIRouter(tags=["sessies"])
ICS = "text/calendar; charset=utf-8"
STATUSES = ("voorgesteld", "bevestigd", "gehouden", "geannuleerd")


@contextlib.contextmanager
def refusals_as_problems() -> Iterator[None]:
    try:
        yield
    except lifecycle.NotFound:
        raise Problem(404, "Deze sessie bestaat niet.") from None
    except lifecycle.VersionConflict as error:
        raise conflict(error.current) from None
    except StepRefused as error:
        raise Problem(409, f"Dit kan niet: {error}.") from None
    except lifecycle.RulesBroken as error:
        raise Problem(
            422,
            "Deze wijziging breekt een harde regel: " + " ".join(error.messages),
            invalid_params=[{"name": "sessie", "reason": m} for m in error.messages],
        ) from None


async def apply_step(
    sessions: Any,
    request: Request,
    session_id: uuid.UUID,
    action: str,
    step: Callable[[AsyncSession], Awaitable[None]],
) -> None:
    """Run one lifecycle step in a transaction with its audit record; refusals as problems."""
    with refusals_as_problems():
        async with transaction(sessions) as session:
            await step(session)
            await audit.record(session, request, action, "sessie", str(session_id))


async def _answer(sessions: Any, session_id: uuid.UUID, response: Response) -> SessionRow:
    async with sessions() as session:
        row = await repository.get_session(session, session_id)
    if row is None:
        raise Problem(404, "Deze sessie bestaat niet.")
    response.headers["ETag"] = etag(row.version)
    return row


@router.get(
    "/sessies",
    response_model=list[SessiePublic],
    responses={**problem_responses(422), **EXPORT_RESPONSES},
    summary="Sessies (filters: periode, status, teamlid, provincie; ook als csv of xlsx)",
)
async def list_sessions(
    request: Request,
    sessions: SessionsDep,
    van: Annotated[IsoDate | None, Query(description="Vanaf.")] = None,
    tot: Annotated[IsoDate | None, Query(description="Tot en met.")] = None,
    status: Annotated[
        str | None, Query(pattern="^(" + "|".join(STATUSES) + ")$", description="Status.")
    ] = None,
    teamlid: Annotated[
        str | None, Query(max_length=100, pattern=PRINTABLE, description="Teamlid-id.")
    ] = None,
    provincie: Annotated[str | None, Query(pattern=r"^PV\d{2}$", description="Provincie.")] = None,
    formaat: Formaat = None,
) -> Any:
    if van and tot and tot < van:
        raise invalid("tot", "de einddatum ligt voor de begindatum")
    async with sessions() as session:
        rows = await repository.sessions_with_status(
            session, [status] if status else STATUSES, start=van, end=tot, member=teamlid,
            province=provincie,
        )  # fmt: skip
    export = requested_format(request, formaat)
    if export:
        table = ExportTable(
            "sessies",
            ("id", "organisatie", "datum", "begin", "einde", "status", "teamleden", "deelnemers",
             "cijfer"),
            ([r.id, r.organisation_code, r.on, r.starts_at, r.ends_at, r.status, r.members,
              r.participants, r.evaluation_score] for r in rows),
        )  # fmt: skip
        return export_response(table, export)
    return rows


@router.get(
    "/sessies/{session_id}",
    response_model=SessiePublic,
    responses=problem_responses(404, 422),
    summary="Eén sessie",
)
async def get_session(session_id: uuid.UUID, sessions: SessionsDep, response: Response) -> Any:
    return await _answer(sessions, session_id, response)


@router.post(
    "/sessies/{session_id}/bevestiging",
    response_model=SessiePublic,
    responses=problem_responses(404, 409, 422, 428),
    summary="Bevestig een voorgestelde sessie (publiceert 'sessie gepland')",
)
async def confirm_session(
    session_id: uuid.UUID,
    sessions: SessionsDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    version: Annotated[int | None, Query(description="Versie (of If-Match).")] = None,
) -> Any:
    expected = expected_version(if_match, version)
    await apply_step(
        sessions, request, session_id, "bevestigen",
        lambda session: lifecycle.confirm(session, session_id, expected_version=expected),
    )  # fmt: skip
    return await _answer(sessions, session_id, response)


@router.patch(
    "/sessies/{session_id}",
    response_model=SessiePublic,
    responses=problem_responses(404, 409, 422, 428),
    summary="Wijzig een sessie met de hand (datum, team, tijden, locatie)",
)
async def change_session(
    session_id: uuid.UUID,
    body: SessieWijziging,
    sessions: SessionsDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    expected = expected_version(if_match, body.version)
    wanted = lifecycle.Change(
        on=body.on,
        members=tuple(body.members) if body.members is not None else None,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        location=body.location,
    )
    settings = request.app.state.runtime.settings
    await apply_step(
        sessions, request, session_id, "wijzigen",
        lambda session: lifecycle.change(
            session, settings, session_id, wanted, expected_version=expected
        ),
    )  # fmt: skip
    return await _answer(sessions, session_id, response)


@router.post(
    "/sessies/{session_id}/annulering",
    response_model=SessiePublic,
    responses=problem_responses(404, 409, 422, 428),
    summary="Annuleer een sessie (het verzoek komt weer open)",
)
async def cancel_session(
    session_id: uuid.UUID,
    sessions: SessionsDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
    version: Annotated[int | None, Query(description="Versie (of If-Match).")] = None,
) -> Any:
    expected = expected_version(if_match, version)
    await apply_step(
        sessions, request, session_id, "annuleren",
        lambda session: lifecycle.cancel(session, session_id, expected_version=expected),
    )  # fmt: skip
    return await _answer(sessions, session_id, response)


@router.post(
    "/sessies/{session_id}/uitkomst",
    response_model=SessiePublic,
    responses=problem_responses(403, 404, 409, 422, 428),
    summary="Leg de uitkomst van een gehouden sessie vast",
)
async def record_outcome(
    session_id: uuid.UUID,
    body: Uitkomst,
    sessions: SessionsDep,
    principal: PrincipalDep,
    request: Request,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    expected = expected_version(if_match, body.version)
    row = await _answer(sessions, session_id, response)
    require(
        principal,
        is_coordinator(principal) or principal.subject in row.members,
        reason="Alleen de teamleden van deze sessie leggen de uitkomst vast.",
    )
    outcome = lifecycle.Outcome(
        participants=body.participants,
        evaluation_score=body.evaluation_score,
        evaluation_remarks=body.evaluation_remarks,
        follow_up_wishes=tuple(body.follow_up_wishes),
    )
    await apply_step(
        sessions, request, session_id, "uitkomst",
        lambda session: lifecycle.record_outcome(
            session, session_id, outcome, expected_version=expected
        ),
    )  # fmt: skip
    return await _answer(sessions, session_id, response)


# --- calendars -----------------------------------------------------------------------------------


async def _entries(session: Any, rows: list[SessionRow]) -> list[CalendarEntry]:
    places = await repository.organisations(session, {r.organisation_code for r in rows})
    names = {m.id: m.name for m in await repository.teamleden(session)}
    entries = []
    for row in rows:
        place = places.get(row.organisation_code)
        title = place.name if place else row.organisation_code
        team = tuple(names.get(m, m) for m in row.members)
        entries.append(entry_of(row, organisation_name=title, team_names=team))
    return entries


@router.get(
    "/sessies/{session_id}/agenda.ics",
    responses={200: {"content": {"text/calendar": {}}}, **problem_responses(404, 422)},
    summary="De sessie als agenda-item (.ics)",
)
async def session_ics(session_id: uuid.UUID, sessions: SessionsDep) -> Response:
    async with sessions() as session:
        row = await repository.get_session(session, session_id)
        if row is None:
            raise Problem(404, "Deze sessie bestaat niet.")
        [entry] = await _entries(session, [row])
    return Response(build_event_ics(entry, generated_at=datetime.now(UTC)), media_type=ICS)


async def _own_feed(session: Any, principal: Any, teamlid_id: SubjectId) -> None:
    """The teamlid exists (404) and the caller is them or a coordinator (403)."""
    if await repository.get_teamlid(session, teamlid_id) is None:
        raise Problem(404, "Dit teamlid bestaat niet.")
    require(
        principal,
        is_coordinator(principal) or principal.subject == teamlid_id,
        reason="U beheert alleen uw eigen agendafeed.",
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@router.post(
    "/teamleden/{teamlid_id}/agendafeed",
    response_model=Agendafeed,
    responses=problem_responses(403, 404),
    summary="Maak een (nieuw) geheim adres voor de agendafeed; oude adressen vervallen",
)
async def new_feed(
    teamlid_id: SubjectId, sessions: SessionsDep, principal: PrincipalDep, request: Request
) -> Agendafeed:
    token = secrets.token_urlsafe(32)
    async with transaction(sessions) as session:
        await _own_feed(session, principal, teamlid_id)
        await session.execute(
            delete(CalendarToken).where(col(CalendarToken.teamlid_id) == teamlid_id)
        )
        session.add(CalendarToken(token_hash=_hash(token), teamlid_id=teamlid_id))
        await audit.record(session, request, "aanmaken", "agendafeed", teamlid_id)
    base = request.app.state.runtime.settings.public_base_url.rstrip("/")
    return Agendafeed(url=f"{base}/scheduling/agenda/{token}.ics")


@router.delete(
    "/teamleden/{teamlid_id}/agendafeed",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404),
    summary="Trek de agendafeed in (het geheime adres werkt niet meer)",
)
async def revoke_feed(
    teamlid_id: SubjectId, sessions: SessionsDep, principal: PrincipalDep, request: Request
) -> Response:
    async with transaction(sessions) as session:
        await _own_feed(session, principal, teamlid_id)
        await session.execute(
            delete(CalendarToken).where(col(CalendarToken.teamlid_id) == teamlid_id)
        )
        await audit.record(session, request, "intrekken", "agendafeed", teamlid_id)
    return Response(status_code=204)


feed_router = APIRouter(include_in_schema=False)


@feed_router.get("/agenda/{token}.ics")
async def feed(token: str, sessions: SessionsDep) -> Response:
    """The feed behind a secret address: a teamlid's confirmed, held and cancelled sessions."""
    async with sessions() as session:
        teamlid_id = await repository.teamlid_for_token(session, _hash(token))
        if teamlid_id is None:
            raise Problem(404, "Deze agendafeed bestaat niet (meer).")
        rows = await repository.sessions_with_status(
            session, ["bevestigd", "gehouden", "geannuleerd"], member=teamlid_id
        )
        entries = await _entries(session, rows)
    body = build_feed(entries, generated_at=datetime.now(UTC), name="On Tour", feed_id=teamlid_id)
    return Response(body, media_type=ICS, headers={"Cache-Control": "no-store"})
