"""Demo data for intake: voorgesprekken with real gemeenten and provincies."""

from __future__ import annotations

import random
from datetime import date, timedelta

import httpx

ORGANISATIONS = [
    "GM0014",
    "GM0034",
    "GM0080",
    "GM0106",
    "GM0153",
    "GM0193",
    "GM0200",
    "GM0228",
    "GM0268",
    "GM0307",
    "GM0344",
    "GM0363",
    "GM0402",
    "GM0439",
    "GM0479",
    "GM0503",
    "GM0518",
    "GM0546",
    "GM0599",
    "GM0637",
    "GM0772",
    "GM0796",
    "GM0855",
    "GM0935",
    "PV20",
    "PV21",
    "PV24",
    "PV26",
    "PV27",
    "PV29",
]


def load(client: httpx.Client) -> str:
    chooser = random.Random(2022)  # the same demo every time
    start = date(2022, 9, 1)
    for index, code in enumerate(ORGANISATIONS):
        held_on = start + timedelta(days=index * 37 + chooser.randint(0, 20))
        response = client.post(
            "/intake/api/v1/voorgesprekken",
            json={
                "organisation_code": code,
                "held_on": min(held_on, date.today()).isoformat(),
                "mode": chooser.choice(["fysiek", "fysiek", "online", "telefonisch"]),
            },
        )
        response.raise_for_status()
    return f"{len(ORGANISATIONS)} voorgesprekken vastgelegd"
