"""Releasing quarters: the use cases behind the daily job, ``ontour reporting release`` and
the coordinator's button. Which figures a release holds is decided in
:mod:`reporting.domain.release`; here the facts are read, earlier releases loaded, and the
outcome stored, once.

A quarter is released only when it is due (closed, plus the settling time), after every
earlier quarter, and when reporting has processed every event on the streams it reads: a
release is frozen, so it must not be made from a projection that is still catching up. A
quarter that cannot be protected is stored as refused, with the reason (and tried again by the
next run); a released quarter never changes.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import structlog
from nats.js import JetStreamContext
from ontour.clock import AMSTERDAM
from ontour.db import Sessions, transaction
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting import repository
from reporting.config import Settings
from reporting.domain.quarters import Quarter, due_quarters
from reporting.domain.release import (
    CaseFacts,
    NotPublishable,
    Release,
    VoorgesprekFacts,
    YearView,
    build_release,
    year_view,
)
from reporting.domain.release_document import (
    from_document,
    to_document,
    year_from_document,
    year_to_document,
)
from reporting.handlers import consumers
from reporting.models import RmCase, RmCaseStep, RmRelease, RmVoorgesprek, RmYear

log = structlog.get_logger()
RELEASED, REFUSED = "vrijgegeven", "geweigerd"


class NotCaughtUp(RuntimeError):
    """Reporting has not processed every event yet: a release now could miss some."""


class NotDue(ValueError):
    """The quarter may not be released yet (or is before the first released quarter)."""


@dataclass(frozen=True)
class Outcome:
    quarter: Quarter
    status: str  # vrijgegeven, geweigerd, al vrijgegeven, proefrun
    release: Release | None
    reason: str | None = None


async def case_facts(session: AsyncSession) -> list[CaseFacts]:
    steps: dict[uuid.UUID, list[tuple[str, str, str | None]]] = defaultdict(list)
    for step in await repository.all_rows(session, RmCaseStep):
        steps[step.case_id].append((step.kind, step.status, step.reason))
    return [
        CaseFacts(
            role=row.role, incidents=tuple(row.incidents), wants_woman=row.wants_woman,
            requested_on=row.requested_on, matched_on=row.matched_on,
            contacted_on=row.contacted_on, within_service_level=row.within_service_level,
            ended_on=row.ended_on, withdrawn=row.withdrawn, outcome=row.outcome,
            referrals=tuple(row.referrals), days_to_match=row.days_to_match,
            days_to_contact=row.days_to_contact, already_reported=row.already_reported,
            steps=tuple(sorted(steps.get(row.id, ()))),
        )
        for row in await repository.all_rows(session, RmCase)
    ]  # fmt: skip


async def voorgesprek_facts(session: AsyncSession) -> list[VoorgesprekFacts]:
    return [
        VoorgesprekFacts(row.held_on, tuple(row.themes), row.incident_count)
        for row in await repository.all_rows(session, RmVoorgesprek)
        if row.status == "gehouden"
    ]


async def decisions(session: AsyncSession) -> list[RmRelease]:
    """Every release decision, oldest quarter first."""
    return list((await session.exec(select(RmRelease).order_by(col(RmRelease.id)))).all())


async def published(session: AsyncSession) -> list[Release]:
    """The released quarters, oldest first."""
    return published_of(await decisions(session))


def published_of(found: list[RmRelease]) -> list[Release]:
    """The released quarters among ``found`` decisions, in their order."""
    return [
        from_document(row.content)
        for row in found
        if row.status == RELEASED and row.content is not None
    ]


async def published_years(session: AsyncSession) -> list[YearView]:
    """The years whose four quarters are released, oldest first."""
    rows = (await session.exec(select(RmYear).order_by(col(RmYear.year)))).all()
    return [year_from_document(row.content) for row in rows]


async def caught_up(js: JetStreamContext) -> dict[str, int]:
    """The stream sequence each of reporting's consumers has processed up to; raises
    :class:`NotCaughtUp` while any has messages waiting or unacknowledged."""
    sequences = {}
    for consumer in consumers:
        info = await js.consumer_info(consumer.stream, consumer.durable)
        if info.num_pending or info.num_ack_pending:
            raise NotCaughtUp(
                f"{consumer.durable} heeft nog {info.num_pending + info.num_ack_pending} "
                "events te verwerken"
            )
        sequences[consumer.stream] = info.ack_floor.stream_seq if info.ack_floor else 0
    return sequences


def first_quarter(settings: Settings) -> Quarter:
    return Quarter.parse(settings.releases_from)


def upcoming(settings: Settings, decided: list[RmRelease]) -> tuple[Quarter, date]:
    """The next quarter to be released, and the first day it may be."""
    done = {d.id for d in decided if d.status == RELEASED}
    quarter = first_quarter(settings)
    while quarter.id in done:
        quarter = quarter.next()
    return quarter, quarter.release_date(settings.release_settling_working_days)


def release_calendar(settings: Settings, today: date) -> list[Quarter]:
    """The quarters due for release on ``today``."""
    return due_quarters(first_quarter(settings), today, settings.release_settling_working_days)


async def release(
    sessions: Sessions,
    js: JetStreamContext | None,
    settings: Settings,
    until: Quarter,
    *,
    by: str,
    today: date,
    dry_run: bool = False,
) -> list[Outcome]:
    """Release every quarter up to ``until`` that is not released yet, in order, in one
    transaction.

    Idempotent: a released quarter is reported as such and left alone. With ``dry_run``,
    nothing is stored and the releases that would be made are returned. Raises
    :class:`NotDue` when ``until`` is not due yet, :class:`NotCaughtUp` while events wait.
    """
    async with transaction(sessions) as session:
        return await _release(session, js, settings, until, by=by, today=today, dry_run=dry_run)


async def _release(
    session: AsyncSession,
    js: JetStreamContext | None,
    settings: Settings,
    until: Quarter,
    *,
    by: str,
    today: date,
    dry_run: bool,
) -> list[Outcome]:
    due = release_calendar(settings, today)
    if until not in due:
        if until < first_quarter(settings):
            raise NotDue(f"{until.id} ligt voor het eerste vrij te geven kwartaal "
                         f"{settings.releases_from}")  # fmt: skip
        release_day = until.release_date(settings.release_settling_working_days)
        raise NotDue(f"{until.id} kan pas vanaf {release_day:%d-%m-%Y} worden vrijgegeven")
    sequences = await caught_up(js) if js is not None else {}
    await repository.lock_releases(session)
    known = {row.id: row for row in await decisions(session)}
    earlier = await published(session)
    cases, held = await case_facts(session), await voorgesprek_facts(session)
    outcomes = []
    for quarter in [q for q in due if q <= until]:
        row = known.get(quarter.id)
        if row is not None and row.status == RELEASED:
            assert row.content is not None
            outcomes.append(Outcome(quarter, "al vrijgegeven", from_document(row.content)))
            continue
        try:
            made = build_release(quarter, cases, held, earlier, settings.disclosure_threshold)
        except NotPublishable as refusal:
            log.warning("release refused", quarter=quarter.id, reason=str(refusal))
            if not dry_run:
                await repository.store_release(session, RmRelease(
                    id=quarter.id, status=REFUSED, decided_at=datetime.now(UTC), decided_by=by,
                    reason=str(refusal), sequences=sequences, content=None,
                ))  # fmt: skip
            outcomes.append(Outcome(quarter, REFUSED, None, str(refusal)))
            break  # later quarters wait: releases are made in order
        earlier.append(made)
        if not dry_run:
            await repository.store_release(session, RmRelease(
                id=quarter.id, status=RELEASED, decided_at=datetime.now(UTC), decided_by=by,
                reason=None, sequences=sequences, content=to_document(made),
            ))  # fmt: skip
            log.info("quarter released", quarter=quarter.id, by=by)
            if quarter.number == 4 and (view := year_view(quarter.year, earlier)) is not None:
                # Frozen like its quarters: computed once, when the fourth is released.
                session.add(RmYear(year=quarter.year, decided_at=datetime.now(UTC),
                                   content=year_to_document(view)))  # fmt: skip
        outcomes.append(Outcome(quarter, "proefrun" if dry_run else RELEASED, made))
    return outcomes


async def release_due(
    sessions: Sessions, js: JetStreamContext | None, settings: Settings, *, by: str,
    today: date,
) -> list[Outcome]:  # fmt: skip
    """What the daily job does: release every due quarter (nothing when none is due)."""
    due = release_calendar(settings, today)
    if not due:
        return []
    return await release(sessions, js, settings, due[-1], by=by, today=today)


def next_run(now: datetime, at: time) -> datetime:
    """The next moment the daily job runs: today at ``at`` (Amsterdam), or tomorrow."""
    local = now.astimezone(AMSTERDAM)
    candidate = datetime.combine(local.date(), at, tzinfo=AMSTERDAM)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=AMSTERDAM)
    return candidate


def summary(outcome: Outcome) -> dict[str, Any]:
    return {"kwartaal": outcome.quarter.id, "uitkomst": outcome.status, "reden": outcome.reason}
