"""Sessions: list, read, record one held before, confirm, change by hand, cancel, record the
outcome; calendars.

Every change names its version (If-Match or ``version``). A manual change is checked against
the planner's hard rules and refused with the broken rules in Dutch (422).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from ontour.clock import today
from ontour.db import Sessions
from ontour.service import SessionsDep
from ontour.web.api import (
    PRINTABLE,
    CallerDep,
    Formaat,
    IfMatch,
    IsoDate,
    SubjectId,
    etag,
    expected_version,
)
from ontour.web.export import EXPORT_RESPONSES, ExportTable, export_response, requested_format
from ontour.web.problems import Problem, invalid, problem_responses
from sqlmodel.ext.asyncio.session import AsyncSession

from scheduling import repository, views
from scheduling.calendar_rows import entry_of
from scheduling.dependencies import SettingsDep
from scheduling.domain.calendar import CalendarEntry, build_event_ics, build_feed
from scheduling.models import SessionRow
from scheduling.schemas import (
    Agendafeed,
    GehoudenSessie,
    SessiePublic,
    SessieWijziging,
    Uitkomst,
)
from scheduling.usecases import sessions, teamleden

router = APIRouter(tags=["sessies"])
ICS = "text/calendar; charset=utf-8"
STATUSES = ("voorgesteld", "bevestigd", "gehouden", "geannuleerd")


async def _answer(database: Sessions, session_id: uuid.UUID, response: Response) -> SessionRow:
    async with database() as db:
        row = await repository.get_session(db, session_id)
    if row is None:
        raise Problem(404, sessions.MISSING)
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
    database: SessionsDep,
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
    async with database() as db:
        rows = await repository.sessions_with_status(
            db, [status] if status else STATUSES, start=van, end=tot, member=teamlid,
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


@router.post(
    "/sessies",
    status_code=201,
    response_model=SessiePublic,
    responses=problem_responses(409, 422),
    summary="Leg een al gehouden sessie achteraf vast",
    description="Voor de geschiedenis van de tour: een sessie die gehouden is voordat de planner "
    "haar kende, met haar uitkomst. Ze is meteen *gehouden* en telt mee in de tourstatus en de "
    "tourcijfers. Een datum in de toekomst: `422`; een verzoek dat al een sessie heeft: `409`.",
)
async def record_held_session(
    body: GehoudenSessie,
    database: SessionsDep,
    caller: CallerDep,
    settings: SettingsDep,
    response: Response,
) -> Any:
    held = sessions.HeldSession(
        request_id=body.request_id,
        on=body.on,
        members=tuple(body.members),
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        location=body.location,
        outcome=views.outcome_of(body),
    )
    row = await sessions.record_held(database, caller, settings, held, today=today())
    response.headers["Location"] = f"/scheduling/api/v1/sessies/{row.id}"
    return await _answer(database, row.id, response)


@router.get(
    "/sessies/{session_id}",
    response_model=SessiePublic,
    responses=problem_responses(404, 422),
    summary="Eén sessie",
)
async def get_session(session_id: uuid.UUID, database: SessionsDep, response: Response) -> Any:
    return await _answer(database, session_id, response)


@router.post(
    "/sessies/{session_id}/bevestiging",
    response_model=SessiePublic,
    responses=problem_responses(404, 409, 422, 428),
    summary="Bevestig een voorgestelde sessie (publiceert 'sessie gepland')",
)
async def confirm_session(
    session_id: uuid.UUID,
    database: SessionsDep,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
    version: Annotated[int | None, Query(description="Versie (of If-Match).")] = None,
) -> Any:
    expected = expected_version(if_match, version)
    await sessions.confirm(database, caller, session_id, expected_version=expected)
    return await _answer(database, session_id, response)


@router.patch(
    "/sessies/{session_id}",
    response_model=SessiePublic,
    responses=problem_responses(404, 409, 422, 428),
    summary="Wijzig een sessie met de hand (datum, team, tijden, locatie)",
)
async def change_session(
    session_id: uuid.UUID,
    body: SessieWijziging,
    database: SessionsDep,
    settings: SettingsDep,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    await views.change_session(database, caller, settings, session_id, body, if_match)
    return await _answer(database, session_id, response)


@router.post(
    "/sessies/{session_id}/annulering",
    response_model=SessiePublic,
    responses=problem_responses(404, 409, 422, 428),
    summary="Annuleer een sessie (het verzoek komt weer open)",
)
async def cancel_session(
    session_id: uuid.UUID,
    database: SessionsDep,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
    version: Annotated[int | None, Query(description="Versie (of If-Match).")] = None,
) -> Any:
    expected = expected_version(if_match, version)
    await sessions.cancel(database, caller, session_id, expected_version=expected)
    return await _answer(database, session_id, response)


@router.post(
    "/sessies/{session_id}/uitkomst",
    response_model=SessiePublic,
    responses=problem_responses(403, 404, 409, 422, 428),
    summary="Leg de uitkomst van een gehouden sessie vast",
)
async def record_outcome(
    session_id: uuid.UUID,
    body: Uitkomst,
    database: SessionsDep,
    caller: CallerDep,
    response: Response,
    if_match: IfMatch = None,
) -> Any:
    await views.record_outcome(database, caller, session_id, body, if_match)
    return await _answer(database, session_id, response)


# --- calendars -----------------------------------------------------------------------------------


async def _entries(db: AsyncSession, rows: list[SessionRow]) -> list[CalendarEntry]:
    places = await repository.organisations(db, {r.organisation_code for r in rows})
    names = {m.id: m.name for m in await repository.teamleden(db)}
    entries = []
    for row in rows:
        place = places.get(row.organisation_code)
        title = (place.name if place else None) or row.organisation_code
        team = tuple(names.get(m, m) for m in row.members)
        entries.append(entry_of(row, organisation_name=title, team_names=team))
    return entries


@router.get(
    "/sessies/{session_id}/agenda.ics",
    responses={200: {"content": {"text/calendar": {}}}, **problem_responses(404, 422)},
    summary="De sessie als agenda-item (.ics)",
)
async def session_ics(session_id: uuid.UUID, database: SessionsDep) -> Response:
    async with database() as db:
        row = await repository.get_session(db, session_id)
        if row is None:
            raise Problem(404, sessions.MISSING)
        [entry] = await _entries(db, [row])
    return Response(build_event_ics(entry, generated_at=datetime.now(UTC)), media_type=ICS)


@router.post(
    "/teamleden/{teamlid_id}/agendafeed",
    response_model=Agendafeed,
    responses=problem_responses(403, 404),
    summary="Maak een (nieuw) geheim adres voor de agendafeed; oude adressen vervallen",
)
async def new_feed(
    teamlid_id: SubjectId, database: SessionsDep, caller: CallerDep, settings: SettingsDep
) -> Agendafeed:
    return Agendafeed(url=await views.new_feed(database, caller, settings, teamlid_id))


@router.delete(
    "/teamleden/{teamlid_id}/agendafeed",
    status_code=204,
    response_class=Response,
    responses=problem_responses(403, 404),
    summary="Trek de agendafeed in (het geheime adres werkt niet meer)",
)
async def revoke_feed(teamlid_id: SubjectId, database: SessionsDep, caller: CallerDep) -> Response:
    await teamleden.revoke_feed(database, caller, teamlid_id)
    return Response(status_code=204)


feed_router = APIRouter(include_in_schema=False)


@feed_router.get("/agenda/{token}.ics")
async def feed(token: str, database: SessionsDep) -> Response:
    """The feed behind a secret address: a teamlid's confirmed, held and cancelled sessions."""
    async with database() as db:
        teamlid_id = await repository.teamlid_for_token(db, teamleden.token_hash(token))
        if teamlid_id is None:
            raise Problem(404, "Deze agendafeed bestaat niet (meer).")
        rows = await repository.sessions_with_status(
            db, ["bevestigd", "gehouden", "geannuleerd"], member=teamlid_id
        )
        entries = await _entries(db, rows)
    body = build_feed(entries, generated_at=datetime.now(UTC), name="On Tour", feed_id=teamlid_id)
    return Response(body, media_type=ICS, headers={"Cache-Control": "no-store"})
