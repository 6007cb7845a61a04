"""Demo data for scheduling: a fictional team, a planner run over intake's demo requests,
half of its proposals confirmed (so agendas and feeds have something to show)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

API = "/scheduling/api/v1"
TEAM = [
    ("tom.teamlid", "Tom Bakker", "oud-wethouder", "man", 52.09, 5.12),
    ("fatima.teamlid", "Fatima El Amrani", "oud-burgemeester", "vrouw", 52.37, 4.90),
    ("anne.teamlid", "Anne de Boer", "oud-raadslid", "vrouw", 53.22, 6.57),
    ("henk.teamlid", "Henk Jansen", "oud-burgemeester", "man", 51.44, 5.48),
    ("sanne.teamlid", "Sanne Visser", "oud-statenlid", "vrouw", 51.98, 5.91),
    ("pieter.teamlid", "Pieter Smit", "oud-wethouder", "man", 51.92, 4.48),
]
WAIT_SECONDS = 30
DEMO_REQUESTS = 19  # the held demo voorgesprekken of intake that say yes to a session


def _wait(client: httpx.Client, path: str, done: Callable[[Any], bool], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get(path).json()
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.5)


def load(client: httpx.Client) -> str:
    for subject, name, background, gender, lat, lon in TEAM:
        response = client.post(
            f"{API}/teamleden",
            json={"id": subject, "name": name, "background": background, "gender": gender,
                  "home_lat": lat, "home_lon": lon},
        )  # fmt: skip
        if response.status_code != 409:
            response.raise_for_status()
    # intake's demo requests arrive over NATS: wait until they are in.
    requests = _wait(client, f"{API}/verzoeken", lambda b: len(b) >= DEMO_REQUESTS, WAIT_SECONDS)
    started = client.post(f"{API}/planningen", json={"time_limit_seconds": 10})
    started.raise_for_status()
    run = _wait(
        client,
        f"{API}/planningen/{started.json()['id']}",
        lambda b: b["status"] != "bezig",
        WAIT_SECONDS,
    )
    proposed = client.post(f"{API}/planningen/{started.json()['id']}/overname").json()
    for session in proposed[: len(proposed) // 2]:
        client.post(f"{API}/sessies/{session['id']}/bevestiging", params={"version": 1})
    return (
        f"{len(TEAM)} teamleden, {len(requests)} verzoeken, {len(proposed)} sessies "
        f"voorgesteld ({len(proposed) // 2} bevestigd; planner: {run['status']})"
    )
