"""What the API and the pages of reporting share at the edge: reading a period and a province
from a request (422 naming the field), the tour's tables as a request sees them (cached until
a newer event, with whether dead letters make them incomplete) and the release a request
names. Both edges call this; neither calls the other. The figures themselves are computed in
:mod:`reporting.usecases.figures`.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from fastapi import Request
from ontour.clock import today
from ontour.db import Sessions
from ontour.messaging.deadletters import count_dead_letters
from ontour.web.problems import Problem, invalid
from sqlmodel.ext.asyncio.session import AsyncSession

from reporting import metrics, repository
from reporting.domain.quarters import Quarter
from reporting.domain.release import Release
from reporting.usecases import figures, releases
from reporting.usecases.figures import Period, Table

CACHE_SECONDS = 300.0


def period_of(van: date | None, tot: date | None) -> Period:
    if van and tot and tot < van:
        raise invalid("tot", "de einddatum ligt voor de begindatum")
    return Period(van, tot)


async def known_province(session: AsyncSession, province: str | None) -> str | None:
    """``province`` when the register knows it, else a 422 naming the provinces it knows."""
    if province is None:
        return None
    provinces = await figures.provinces(session)
    if province not in provinces:
        listed = ", ".join(f"{code} ({name})" for code, name in sorted(provinces.items()))
        raise invalid("provincie", f"onbekende provincie; bekend zijn: {listed or 'geen'}")
    return province


async def tour_tables(
    request: Request, sessions: Sessions, period: Period, province: str | None
) -> tuple[list[Table], dict[str, Any]]:
    """The tour's tables (:func:`cached_tour_tables`) with when they were last updated and
    whether they may be incomplete (events parked as dead letters)."""
    tables, updated = await cached_tour_tables(request, sessions, period, province)
    try:
        js = request.app.state.runtime.broker.connection.jetstream()
        parked = await count_dead_letters(js, "reporting")
        metrics.dead_letters.set(parked)
        incomplete = parked > 0
    except Exception:  # no broker: the figures stand, their completeness is unknown
        incomplete = True
    meta = {"bijgewerkt_tot": updated.isoformat() if updated else None, "onvolledig": incomplete}
    return tables, meta


async def cached_tour_tables(
    request: Request, sessions: Sessions, period: Period, province: str | None
) -> tuple[list[Table], datetime | None]:
    """The tour's tables and the moment of the newest event in them, computed again when the
    tour's read models changed (:func:`repository.tour_version`: a tour event processed,
    also a late one, or a rebuild swapped in) and the day, and otherwise at least every
    ``CACHE_SECONDS`` (a backstop: nothing else changes them)."""
    settings = request.app.state.runtime.settings
    cache: dict[tuple[Any, ...], tuple[float, list[Table]]] = request.app.state.__dict__.setdefault(
        "figures_cache", {}
    )
    async with sessions() as session:
        province = await known_province(session, province)
        updated, version = await repository.tour_version(session)
        key = (period, province, updated, version, today())
        cached = cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
            tables = cached[1]
        else:
            with metrics.figures_seconds.labels("tour").time():
                tables = await figures.tour(
                    session, settings, period=period, province=province, today=today()
                )
            if len(cache) > 256:
                cache.clear()
            cache[key] = (time.monotonic(), tables)
    return tables, updated


def available(published: list[Release]) -> str:
    ids = [r.quarter.id for r in published]
    return ", ".join(ids) if ids else "nog geen"


async def find(session: AsyncSession, release_id: str | None) -> Release:
    """The release ``release_id`` (the newest when None); 422/404 naming the ones there are."""
    return pick(await releases.published(session), release_id)


def pick(published: list[Release], release_id: str | None) -> Release:
    """:func:`find` among releases already read."""
    released = {r.quarter.id: r for r in published}
    if release_id is None:
        if not released:
            raise Problem(404, "Er is nog geen kwartaal vrijgegeven.")
        return released[max(released)]
    try:
        quarter = Quarter.parse(release_id.replace("Q", "K"))
    except ValueError:
        raise invalid("vrijgave", f"geen kwartaal zoals 2026-K3; vrijgegeven zijn: "
                                  f"{available(published)}") from None  # fmt: skip
    if quarter.id not in released:
        raise Problem(404, f"{quarter.id} is niet vrijgegeven; vrijgegeven zijn: "
                           f"{available(published)}.")  # fmt: skip
    return released[quarter.id]
