"""Intake: the bulk import of 10,000 spreadsheet rows, and the list endpoints over five years.

The intake service runs in this process (lifespan included, exactly as in the tests) against
an embedded PostgreSQL, nats-server and the development IdP, all started here on free ports;
requests go through its ASGI app with a real Bearer token, so routing, access control, token
validation, validation, the database and the outbox are all in the path.

- import: one CSV of ``ROWS`` (env ``BENCH_INTAKE_ROWS``, default 10,000) realistic, messy
  rows (names and codes, three date spellings, themes, participants, a session wish) through
  ``POST /intake/api/v1/imports``. Baseline in the same run: the same number of voorgesprek
  rows written with one bulk INSERT (no parsing, checks, history, timeline or events): the
  floor a database write of this size costs here.
- lists: after the import, once the relay has published its events, with five years of data
  (``ROWS`` voorgesprekken spread over 2021-2025 plus follow-ups); p50/p95 over ``REQUESTS``
  calls each of the organisation list, the voorgesprek list with filters and "mijn acties".
  Baseline: the same voorgesprek page
  query run directly on the database, without HTTP or the service.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from intake.app import service as intake
from intake.reference_data import load_register
from ontour.devstack.idp import SUBJECT_FOR_ROLE, fetch_id_token, start_idp
from ontour.devstack.servers import free_port, start_nats, start_postgres
from ontour.testing.plugin import running_service
from sqlalchemy import text

ROWS = int(os.environ.get("BENCH_INTAKE_ROWS", "10000"))
REQUESTS = int(os.environ.get("BENCH_INTAKE_REQUESTS", "200"))
GOAL_IMPORT_S = 10.0
GOAL_LIST_P95_MS = 50.0
THEMES = ["agressie en intimidatie", "online intimidatie", "nazorg", "integriteit", "melden"]
MODES = ["fysiek", "Teams", "tel.", "online", "op locatie"]


def _date_text(day: date, chooser: random.Random) -> str:
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
              "september", "oktober", "november", "december"]  # fmt: skip
    style = chooser.randrange(3)
    if style == 0:
        return day.strftime("%d-%m-%Y")
    if style == 1:
        return day.isoformat()
    return f"{day.day} {months[day.month - 1]} {day.year}"


def messy_csv(rows: int, seed: int = 2025) -> bytes:
    chooser = random.Random(seed)
    organisations = load_register()
    start = date(2021, 1, 4)
    lines = [
        "organisatie;datum;tijd;vorm;teamleden;deelnemers_griffier;deelnemers_raadsleden;"
        "thema's;incidenten_aantal;sessiewens;voorkeursperiode;voorkeursavonden"
    ]
    for index in range(rows):
        organisation = organisations[index % len(organisations)]
        name = organisation.cbs_code if chooser.random() < 0.5 else f" {organisation.name} "
        day = start + timedelta(days=(index * 1823) // rows)
        wish = chooser.choice(["ja", "nee", "later", ""])
        lines.append(
            ";".join(
                [
                    name,
                    _date_text(day, chooser),
                    f"{chooser.randint(17, 20)}:{chooser.choice(['00', '30'])}",
                    chooser.choice(MODES),
                    chooser.choice(["Tom Teamlid", "Fatima Teamlid, Tom Teamlid", ""]),
                    "1",
                    str(chooser.randint(0, 30) + index % 7),
                    ", ".join(chooser.sample(THEMES, chooser.randint(1, 3))),
                    str(chooser.randint(0, 4)),
                    wish,
                    f"najaar {day.year}" if wish == "ja" else "",
                    chooser.choice(["maandag", "di", "", "woensdag, donderdag"]),
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def _timed(call: Any, count: int) -> dict[str, float]:
    samples = []
    for index in range(count):
        started = time.perf_counter()
        await call(index)
        samples.append(time.perf_counter() - started)
    return _percentiles(samples)


async def baseline_insert(api: Any, rows: int) -> float:
    """The same number of rows in one bulk INSERT into a scratch copy of the table."""
    async with api.app.state.runtime.engine.begin() as conn:
        await conn.execute(text("CREATE TEMP TABLE scratch (LIKE voorgesprek INCLUDING DEFAULTS)"))
        values = [
            {
                "id": uuid.uuid4(),
                "code": "GM0363",
                "day": date(2024, 1, 1) + timedelta(days=i % 900),
            }
            for i in range(rows)
        ]
        started = time.perf_counter()
        await conn.execute(
            text(
                "INSERT INTO scratch (id, organisation_code, held_on, mode, recorded_at) "
                "VALUES (:id, :code, :day, 'fysiek', now())"
            ),
            values,
        )
        return time.perf_counter() - started


async def outbox_drained(api: Any) -> float:
    """Seconds until the relay has published every event of the import.

    The relay runs in the service's own event loop: lists measured while it still publishes
    thousands of events would measure the relay, not the lists.
    """
    started = time.perf_counter()
    while True:
        async with api.app.state.runtime.engine.connect() as conn:
            unsent = (
                await conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))
            ).scalar_one()
        if not unsent:
            return time.perf_counter() - started
        await asyncio.sleep(0.2)


async def measure(api: Any) -> dict[str, Any]:
    data = messy_csv(ROWS)
    started = time.perf_counter()
    response = await api.post("/intake/api/v1/imports", files={"file": ("bench.csv", data)})
    import_seconds = time.perf_counter() - started
    response.raise_for_status()
    counts = response.json()["counts"]
    drained_seconds = await outbox_drained(api) + import_seconds
    baseline_seconds = await baseline_insert(api, ROWS)

    async with api.app.state.runtime.sessions() as session:
        await session.execute(
            text(
                "INSERT INTO follow_up (id, organisation_code, description, owner, due_on, "
                "created_by, created_at, version) SELECT gen_random_uuid(), organisation_code, "
                "'Nabellen', CASE WHEN random() < 0.5 THEN 'tom.teamlid' ELSE 'fatima.teamlid' "
                "END, held_on + 14, 'bench', now(), 1 FROM voorgesprek"
            )
        )
        await session.commit()
        total = (await session.execute(text("SELECT count(*) FROM voorgesprek"))).scalar_one()

    chooser = random.Random(7)
    provinces = [o.cbs_code for o in load_register() if o.kind.value == "provincie"]

    async def organisations(_: int) -> None:
        params = {"provincie": chooser.choice(provinces), "per_pagina": 50}
        (await api.get("/intake/api/v1/organisaties", params=params)).raise_for_status()

    async def voorgesprekken(_: int) -> None:
        year = chooser.randint(2021, 2025)
        params = {
            "van": f"{year}-01-01",
            "tot": f"{year}-06-30",
            "thema": chooser.choice(THEMES[:4]),
            "per_pagina": 50,
        }
        (await api.get("/intake/api/v1/voorgesprekken", params=params)).raise_for_status()

    async def mine(_: int) -> None:
        params = {"mijn": "true", "open": "true", "per_pagina": 50}
        (await api.get("/intake/api/v1/vervolgacties", params=params)).raise_for_status()

    async def direct(_: int) -> None:
        year = chooser.randint(2021, 2025)
        async with api.app.state.runtime.engine.connect() as conn:
            await conn.execute(
                text(
                    "SELECT * FROM voorgesprek WHERE held_on BETWEEN :a AND :b "
                    "AND themes @> ARRAY[:t]::text[] ORDER BY held_on DESC, id LIMIT 50"
                ),
                {"a": date(year, 1, 1), "b": date(year, 6, 30), "t": chooser.choice(THEMES[:4])},
            )

    for warm in (organisations, voorgesprekken, mine, direct):
        await _timed(warm, 5)
    return {
        "import": {
            "rows": ROWS,
            "counts": counts,
            "seconds": round(import_seconds, 2),
            "rows_per_second": round(ROWS / import_seconds),
            "baseline_bulk_insert_seconds": round(baseline_seconds, 2),
            "all_events_published_after_seconds": round(drained_seconds, 2),
        },
        "lists": {
            "voorgesprekken_in_database": total,
            "organisaties": await _timed(organisations, REQUESTS),
            "voorgesprekken": await _timed(voorgesprekken, REQUESTS),
            "mijn_acties": await _timed(mine, REQUESTS),
            "baseline_direct_query": await _timed(direct, REQUESTS),
        },
    }


async def run() -> dict[str, Any]:
    load_before = os.getloadavg()
    home = Path(tempfile.mkdtemp(prefix="ontour-bench-intake-"))
    pg_port, nats_port, idp_port = free_port(), free_port(), free_port()
    postgres = await asyncio.to_thread(
        start_postgres, home / "postgres", pg_port, home / "postgres.log"
    )
    broker = await asyncio.to_thread(start_nats, home / "nats", nats_port, home / "nats.log")
    idp = await asyncio.to_thread(start_idp, idp_port, home / "idp.log")
    try:
        issuer = f"http://127.0.0.1:{idp_port}"
        token = await asyncio.to_thread(fetch_id_token, issuer, SUBJECT_FOR_ROLE["coordinator"])
        async with running_service(
            intake,
            nats_url=f"nats://127.0.0.1:{nats_port}",
            database_url=f"postgresql+asyncpg://postgres@127.0.0.1:{pg_port}/intake",
            idp_url=issuer,
            headers={"Authorization": f"Bearer {token}"},
        ) as api:
            measured = await measure(api)
    finally:
        idp.stop()
        broker.stop()
        postgres.stop()
        shutil.rmtree(home, ignore_errors=True)
    return report(measured, load_before)


def report(measured: dict[str, Any], load_before: tuple[float, float, float]) -> dict[str, Any]:
    imp, lists = measured["import"], measured["lists"]
    goals = [
        {
            "name": f"import of {imp['rows']:,} rows",
            "target": f"< {GOAL_IMPORT_S:g} s",
            "measured": f"{imp['seconds']} s",
            "met": imp["seconds"] < GOAL_IMPORT_S,
        },
        *(
            {
                "name": f"GET {name} p95 ({lists['voorgesprekken_in_database']:,} voorgesprekken)",
                "target": f"< {GOAL_LIST_P95_MS:g} ms",
                "measured": f"{lists[name]['p95_ms']} ms",
                "met": lists[name]["p95_ms"] < GOAL_LIST_P95_MS,
            }
            for name in ("organisaties", "voorgesprekken", "mijn_acties")
        ),
    ]
    summary = [
        f"load average before: {load_before[0]:.1f}",
        f"import {imp['rows']:,} rows: {imp['seconds']} s ({imp['rows_per_second']:,} rows/s), "
        f"report {imp['counts']}; baseline bulk INSERT of as many rows: "
        f"{imp['baseline_bulk_insert_seconds']} s; every event on the bus after "
        f"{imp['all_events_published_after_seconds']} s",
        *(
            f"{name}: p50 {lists[name]['p50_ms']} ms, p95 {lists[name]['p95_ms']} ms, "
            f"max {lists[name]['max_ms']} ms"
            for name in ("organisaties", "voorgesprekken", "mijn_acties", "baseline_direct_query")
        ),
    ]
    return {
        "summary": summary,
        "goals": goals,
        **measured,
        "measured_at": datetime.now(UTC).isoformat(),
    }
