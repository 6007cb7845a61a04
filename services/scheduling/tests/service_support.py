"""Intake and scheduling running together in this process, and the steps most tests share."""

from __future__ import annotations

from datetime import timedelta

from ontour.clock import today
from ontour.testing.delivery import wait_caught_up
from ontour.testing.plugin import eventually
from scheduling import handlers as scheduling_handlers

API = "/scheduling/api/v1"
START = today() + timedelta(days=14)
# Mondays to Fridays of a fortnight from START: the wished period of every request.
PERIOD = {"start": START.isoformat(), "end": (START + timedelta(days=27)).isoformat()}
TEAM = [
    {"id": "tom.teamlid", "name": "Tom Bakker", "background": "oud-wethouder", "gender": "man",
     "home_lat": 52.09, "home_lon": 5.12},
    {"id": "fatima.teamlid", "name": "Fatima El Amrani", "background": "oud-burgemeester",
     "gender": "vrouw", "home_lat": 52.37, "home_lon": 4.90},
    {"id": "anne.teamlid", "name": "Anne de Boer", "background": "oud-raadslid",
     "gender": "vrouw", "home_lat": 53.22, "home_lon": 6.57},
]  # fmt: skip


def held(code: str, **wish) -> dict:
    return {
        "organisation_code": code,
        "status": "gehouden",
        "held_on": "2025-03-04",
        "mode": "fysiek",
        "session_wish": "ja",
        "preferred_periods": [PERIOD],
        **wish,
    }


async def requests_arrived(services, count: int) -> list[dict]:
    """The session requests, once scheduling processed every event intake has announced
    (waiting on scheduling's inbox, over the real broker)."""
    intake_api, api = services
    await wait_caught_up(
        scheduling_handlers.requests,
        producer=intake_api.app.state.runtime.sessions,
        sessions=api.app.state.runtime.sessions,
    )
    listed = (await api.get(f"{API}/verzoeken")).json()
    assert len(listed) >= count, listed
    return listed


async def finished_run(api, run: dict) -> dict:
    async def done():
        body = (await api.get(f"{API}/planningen/{run['id']}")).json()
        return body if body["status"] != "bezig" else None

    return await eventually(done, timeout=60, interval=0.2)


async def planned_and_adopted(services) -> tuple[list[dict], dict]:
    intake_api, api = services
    for member in TEAM:
        assert (await api.post(f"{API}/teamleden", json=member)).status_code == 201
    await intake_api.post("/intake/api/v1/voorgesprekken", json=held("GM0344"))
    await intake_api.post(
        "/intake/api/v1/voorgesprekken",
        json=held("GM0014", attention_online_intimidation_women=True, avoid_weekdays=["maandag"]),
    )
    await requests_arrived(services, 2)
    started = await api.post(f"{API}/planningen", json={"time_limit_seconds": 5})
    assert started.status_code == 202, started.text
    assert started.headers["Location"].endswith(started.json()["id"])
    run = await finished_run(api, started.json())
    adopted = await api.post(f"{API}/planningen/{run['id']}/overname")
    assert adopted.status_code == 200, adopted.text
    return adopted.json(), run
