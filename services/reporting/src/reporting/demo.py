"""Demo data for reporting: release what is due once the other services' demo events are in.

Reporting has no data of its own: its read models follow the events. The daily release job
runs at 06:00; a fresh demo should not wait for it, so the loader asks for the releases the
way a coordinator can, retrying while reporting is still catching up.
"""

from __future__ import annotations

import time

import httpx

API = "/reporting/api/v1"
WAIT_SECONDS = 60.0


def load(client: httpx.Client) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        response = client.post(f"{API}/nazorg/vrijgaven", json={})
        if response.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    response.raise_for_status()
    released = [o["kwartaal"] for o in response.json() if o["uitkomst"] != "geweigerd"]
    if not released:
        return "nog geen kwartaal vrij te geven"
    return f"{len(released)} kwartalen vrijgegeven ({released[0]} t/m {released[-1]})"
