"""Figures about people, as releases only: one closed quarter each, frozen, served as stored.

There are no free filters: ``/nazorg/vrijgaven/{id}`` takes a release id (``2026-K3``), and
any period asked of ``/nazorg`` is refused with the releases that exist. ``/nazorg`` itself
is the newest release; ``/nazorg/jaren/{jaar}`` a year whose four quarters are released.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from ontour.clock import today
from ontour.service import RuntimeDep, SessionsDep
from ontour.web.api import PrincipalDep
from ontour.web.problems import Problem, invalid, problem_responses
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting.dependencies import SettingsDep
from reporting.domain.disclosure import legend
from reporting.domain.quarters import Quarter
from reporting.domain.release import Release
from reporting.models import RmRelease
from reporting.usecases import releases
from reporting.usecases.figures import release_tables, year_tables
from reporting.views import available, find

router = APIRouter(tags=["vrijgaven"])
QUARTER_ID = r"^20\d{2}-[KQ][1-4]$"
# The form is documented; find() checks it, answering with the releases there are.
ReleaseId = Annotated[
    str,
    Path(
        json_schema_extra={"pattern": QUARTER_ID}, description="Een kwartaal, bijvoorbeeld 2026-K3."
    ),
]
# Asked for all the same, a period is refused with the releases there are (422); it is no
# parameter of the API, so the OpenAPI leaves it out.
NoPeriod = Annotated[str | None, Query(include_in_schema=False)]


class Samengevoegd(BaseModel):
    tabel: str = Field(description="De tabel.")
    rij: str = Field(description="De rij die met 'anders' is samengevoegd.")
    reden: str = Field(description="Waarom.")


class Vrijgave(BaseModel):
    """De cijfers over personen van één afgesloten kwartaal, zoals ze zijn vrijgegeven."""

    id: str = Field(description="Het kwartaal, bijvoorbeeld 2026-K3.")
    kwartaal: str = Field(description="Het kwartaal in woorden.")
    van: date = Field(description="Eerste dag van het kwartaal.")
    tot: date = Field(description="Laatste dag van het kwartaal.")
    vrijgegeven_op: datetime = Field(description="Wanneer de vrijgave is gemaakt.")
    vrijgegeven_door: str = Field(description="Wie of wat de vrijgave maakte.")
    legenda: dict[str, str] = Field(description="Betekenis van de tekens.")
    samengevoegd: list[Samengevoegd] = Field(
        description="Rijen die met 'anders' zijn samengevoegd."
    )
    tabellen: list[dict[str, Any]] = Field(description="De tabellen, elke categorie een rij.")


class VrijgaveInLijst(BaseModel):
    id: str = Field(description="Het kwartaal.")
    kwartaal: str = Field(description="Het kwartaal in woorden.")
    status: str = Field(description="vrijgegeven of geweigerd.")
    besloten_op: datetime = Field(description="Wanneer.")
    reden: str | None = Field(description="Waarom geweigerd (alleen bij geweigerd).")


class Vrijgaven(BaseModel):
    vrijgaven: list[VrijgaveInLijst] = Field(description="Alle besluiten, oudste eerst.")
    volgende: str = Field(description="Het volgende kwartaal dat vrijgegeven wordt.")
    volgende_op: date = Field(description="Vanaf wanneer dat kan.")


class Jaar(BaseModel):
    """Een jaar als som van zijn vier vrijgegeven kwartalen, samen met die beschermd."""

    jaar: int = Field(description="Het jaar.")
    legenda: dict[str, str] = Field(description="Betekenis van de tekens.")
    tabellen: list[dict[str, Any]] = Field(description="De tabellen.")


class Opdracht(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tot: str | None = Field(
        default=None, pattern=r"^20\d{2}-K[1-4]$",
        description="Tot en met dit kwartaal (standaard: alles wat klaar is).",
    )  # fmt: skip
    proefrun: bool = Field(default=False, description="Laat zien wat er vrijgegeven zou worden.")


class Uitkomst(BaseModel):
    kwartaal: str = Field(description="Het kwartaal.")
    uitkomst: str = Field(description="vrijgegeven, al vrijgegeven, geweigerd of proefrun.")
    reden: str | None = Field(description="Waarom geweigerd.")


def as_body(release: Release, decision: RmRelease) -> Vrijgave:
    return Vrijgave(
        id=release.quarter.id, kwartaal=release.quarter.label, van=release.quarter.first_day,
        tot=release.quarter.last_day, vrijgegeven_op=decision.decided_at,
        vrijgegeven_door=decision.decided_by, legenda=legend(release.threshold),
        samengevoegd=[Samengevoegd(tabel=t, rij=r, reden=w) for t, r, w in release.merged],
        tabellen=[t.as_json() for t in release_tables(release)],
    )  # fmt: skip


async def _body(session: AsyncSession, release_id: str | None) -> Vrijgave:
    release = await find(session, release_id)
    decision = await session.get(RmRelease, release.quarter.id)
    assert decision is not None
    return as_body(release, decision)


@router.get(
    "/nazorg",
    response_model=Vrijgave,
    responses=problem_responses(404, 422),
    summary="De nieuwste vrijgave van de cijfers over personen (geen vrije perioden)",
    description="Een periode (van, tot) kan niet: kies een vrijgave "
    "(/nazorg/vrijgaven/{vrijgave}).",
)
async def newest(sessions: SessionsDep, van: NoPeriod = None, tot: NoPeriod = None) -> Vrijgave:
    async with sessions() as session:
        if van is not None or tot is not None:
            published = await releases.published(session)
            raise invalid(
                "van" if van is not None else "tot",
                "cijfers over personen bestaan alleen per vrijgegeven kwartaal; vrijgegeven "
                f"zijn: {available(published)} (/reporting/api/v1/nazorg/vrijgaven/<id>)",
            )
        return await _body(session, None)


@router.get(
    "/nazorg/vrijgaven",
    response_model=Vrijgaven,
    summary="Alle vrijgaven en weigeringen, en wanneer de volgende komt",
)
async def list_releases(runtime: RuntimeDep, settings: SettingsDep) -> Vrijgaven:
    async with runtime.sessions() as session:
        decisions = await releases.decisions(session)
    upcoming, upcoming_on = releases.upcoming(settings, decisions)
    return Vrijgaven(
        vrijgaven=[
            VrijgaveInLijst(id=d.id, kwartaal=Quarter.parse(d.id).label, status=d.status,
                            besloten_op=d.decided_at, reden=d.reason)
            for d in decisions
        ],
        volgende=upcoming.id,
        volgende_op=upcoming_on,
    )  # fmt: skip


@router.get(
    "/nazorg/vrijgaven/{vrijgave}",
    response_model=Vrijgave,
    responses=problem_responses(404, 422),
    summary="Eén vrijgegeven kwartaal, zoals het is vrijgegeven",
)
async def one(vrijgave: ReleaseId, sessions: SessionsDep) -> Vrijgave:
    async with sessions() as session:
        return await _body(session, vrijgave)


@router.get(
    "/nazorg/jaren/{jaar}",
    response_model=Jaar,
    responses=problem_responses(404, 422),
    summary="Een jaar: de som van zijn vier vrijgegeven kwartalen",
)
async def year(
    jaar: Annotated[int, Path(ge=2000, le=2100, description="Het jaar.")], sessions: SessionsDep
) -> Jaar:
    async with sessions() as session:
        years = {view.year: view for view in await releases.published_years(session)}
        published = await releases.published(session)
    if jaar not in years:
        listed = ", ".join(map(str, years)) or "nog geen"
        raise Problem(404, f"Van {jaar} zijn nog niet alle vier kwartalen vrijgegeven; "
                           f"complete jaren: {listed}.")  # fmt: skip
    return Jaar(jaar=jaar, legenda=legend(published[0].threshold),
                tabellen=[t.as_json() for t in year_tables(years[jaar])])  # fmt: skip


@router.post(
    "/nazorg/vrijgaven",
    response_model=list[Uitkomst],
    responses=problem_responses(409, 422, 503),
    summary="Geef vrij wat klaar is (zoals de dagelijkse taak); met proefrun alleen kijken",
)
async def release_now(
    body: Opdracht, runtime: RuntimeDep, principal: PrincipalDep, settings: SettingsDep
) -> list[Uitkomst]:
    day = today()
    due = releases.release_calendar(settings, day)
    until = Quarter.parse(body.tot) if body.tot else (due[-1] if due else None)
    if until is None:
        return []
    js = runtime.broker.connection.jetstream()
    try:
        outcomes = await releases.release(
            runtime.sessions, js, settings, until, by=f"coördinator {principal.subject}",
            today=day, dry_run=body.proefrun,
        )  # fmt: skip
    except releases.NotDue as refusal:
        raise invalid("tot", str(refusal)) from None
    except releases.NotCaughtUp as waiting:
        raise Problem(503, f"De cijfers worden nog bijgewerkt ({waiting}); probeer het zo "
                           "opnieuw.", headers={"Retry-After": "10"}) from None  # fmt: skip
    return [Uitkomst(**releases.summary(outcome)) for outcome in outcomes]
