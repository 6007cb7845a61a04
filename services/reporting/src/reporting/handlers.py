"""Reporting's event consumers: every service's events into the read models, idempotently.

Three durable consumers, one per producing stream. Each handler also moves "bijgewerkt tot"
to its event's time. An event reporting cannot read is dead-lettered by the consumer (and
the dashboard then says its numbers may be incomplete).
"""

from __future__ import annotations

from typing import Any

from ontour.contracts.aftercare import (
    CaseEvent,
    NazorgAangevraagd,
    NazorgAfgesloten,
    NazorgContactGelegd,
    NazorgGematcht,
    NazorgGewist,
    NazorgIngetrokken,
)
from ontour.contracts.intake import (
    OrganisatieGeregistreerd,
    OrganisatieGewijzigd,
    VoorgesprekGeannuleerd,
    VoorgesprekGehouden,
    VoorgesprekGepland,
)
from ontour.contracts.scheduling import (
    SessieGeannuleerd,
    SessieGehouden,
    SessieGepland,
    SessieVerplaatst,
    SessieVoorgesteld,
)
from ontour.events import CloudEvent
from ontour.messaging.consumer import EventConsumer
from ontour.messaging.streams import stream_for
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting import repository
from reporting.models import RmSession, RmVoorgesprek

tour = EventConsumer(
    service="reporting", name="tour", stream=stream_for("intake"), subject="ontour.intake.>"
)
sessions = EventConsumer(
    service="reporting",
    name="sessions",
    stream=stream_for("scheduling"),
    subject="ontour.scheduling.>",
)
aftercare = EventConsumer(
    service="reporting",
    name="aftercare",
    stream=stream_for("aftercare"),
    subject="ontour.aftercare.>",
)


@tour.on(OrganisatieGeregistreerd)
async def on_registered(s: AsyncSession, envelope: CloudEvent, e: OrganisatieGeregistreerd) -> None:
    await repository.upsert_organisation(
        s,
        {
            "code": e.organisation_code,
            "name": e.organisation_name or e.organisation_code,
            "kind": e.kind.value,
            "province_code": e.province_code,
        },
    )
    await repository.saw_event(s, envelope.time)


@tour.on(OrganisatieGewijzigd)
async def on_changed(s: AsyncSession, envelope: CloudEvent, e: OrganisatieGewijzigd) -> None:
    await repository.end_organisation(s, e.organisation_code, e.valid_until)
    await repository.saw_event(s, envelope.time)


@tour.on(VoorgesprekGepland)
async def on_planned(s: AsyncSession, envelope: CloudEvent, e: VoorgesprekGepland) -> None:
    await repository.upsert_by_revision(
        s,
        RmVoorgesprek,
        {"id": e.voorgesprek_id, "organisation_code": e.organisation_code, "status": "gepland",
         "held_on": e.planned_on, "revision": e.revision},
    )  # fmt: skip
    await repository.saw_event(s, envelope.time)


@tour.on(VoorgesprekGehouden)
async def on_held(s: AsyncSession, envelope: CloudEvent, e: VoorgesprekGehouden) -> None:
    await repository.upsert_by_revision(
        s,
        RmVoorgesprek,
        {
            "id": e.voorgesprek_id,
            "organisation_code": e.organisation_code,
            "status": "gehouden",
            "held_on": e.held_on,
            "revision": e.revision,
            "themes": [t.value for t in e.themes],
            "participants": {p.role.value: p.count for p in e.participants},
            "incident_count": e.incident_count,
            "session_wish": e.session_wish.value if e.session_wish else None,
        },
    )
    await repository.saw_event(s, envelope.time)


@tour.on(VoorgesprekGeannuleerd)
async def on_cancelled(s: AsyncSession, envelope: CloudEvent, e: VoorgesprekGeannuleerd) -> None:
    await repository.update_by_revision(
        s, RmVoorgesprek, e.voorgesprek_id, e.revision, {"status": "geannuleerd"}
    )
    await repository.saw_event(s, envelope.time)


def _session(e: SessieVoorgesteld | SessieGepland, status: str) -> dict[str, object]:
    return {"id": e.session_id, "organisation_code": e.organisation_code, "status": status,
            "on": e.on, "revision": e.revision, "team_size": e.team_size}  # fmt: skip


@sessions.on(SessieVoorgesteld)
async def on_proposed(s: AsyncSession, envelope: CloudEvent, e: SessieVoorgesteld) -> None:
    await repository.upsert_by_revision(s, RmSession, _session(e, "voorgesteld"))
    await repository.saw_event(s, envelope.time)


@sessions.on(SessieGepland)
async def on_session_planned(s: AsyncSession, envelope: CloudEvent, e: SessieGepland) -> None:
    await repository.upsert_by_revision(
        s, RmSession, {**_session(e, "bevestigd"), "planned_at": envelope.time}
    )
    await repository.saw_event(s, envelope.time)


@sessions.on(SessieVerplaatst)
async def on_moved(s: AsyncSession, envelope: CloudEvent, e: SessieVerplaatst) -> None:
    await repository.update_by_revision(s, RmSession, e.session_id, e.revision, {"on": e.on})
    await repository.saw_event(s, envelope.time)


@sessions.on(SessieGeannuleerd)
async def on_session_cancelled(s: AsyncSession, envelope: CloudEvent, e: SessieGeannuleerd) -> None:
    await repository.update_by_revision(
        s, RmSession, e.session_id, e.revision, {"status": "geannuleerd"}
    )
    await repository.saw_event(s, envelope.time)


@sessions.on(SessieGehouden)
async def on_session_held(s: AsyncSession, envelope: CloudEvent, e: SessieGehouden) -> None:
    await repository.upsert_by_revision(
        s,
        RmSession,
        {"id": e.session_id, "organisation_code": e.organisation_code, "status": "gehouden",
         "on": e.held_on, "revision": e.revision, "participants": e.participants,
         "evaluation_score": e.evaluation_score, "team_size": e.team_size},
    )  # fmt: skip
    await repository.saw_event(s, envelope.time)


def _categories(e: CaseEvent) -> dict[str, object]:
    if not e.statistics_consent:
        return {"consent": False}
    return {"consent": True, "role": e.role_category.value if e.role_category else None,
            "incidents": [c.value for c in e.incident_categories],
            "wants_woman": e.wants_woman}  # fmt: skip


def _case_handler(moment: str) -> Any:
    async def handle(s: AsyncSession, envelope: CloudEvent, e: CaseEvent) -> None:
        values = {**_categories(e), moment: e.at}
        if isinstance(e, NazorgContactGelegd) and e.statistics_consent:
            values["within_service_level"] = e.within_service_level
        if isinstance(e, NazorgAfgesloten) and e.statistics_consent:
            values["outcome"] = e.outcome.value if e.outcome else None
            values["referrals"] = [r.value for r in e.referrals]
        await repository.record_case(s, e.case_id, values)
        await repository.saw_event(s, envelope.time)

    return handle


for _event, _moment in (
    (NazorgAangevraagd, "requested_at"),
    (NazorgGematcht, "matched_at"),
    (NazorgContactGelegd, "contacted_at"),
    (NazorgAfgesloten, "closed_at"),
    (NazorgIngetrokken, "withdrawn_at"),
    (NazorgGewist, "erased_at"),
):
    aftercare.on(_event)(_case_handler(_moment))


consumers = [tour, sessions, aftercare]
