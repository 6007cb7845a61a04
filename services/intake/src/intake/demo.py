"""Demo data for intake: voorgesprekken with real gemeenten and provincies, fictional people.

Held ones with themes, participants and session wishes (so scheduling gets session requests),
a few planned ones, follow-up actions, a note and two organisations that asked not to be
named in the published figures; always the same (seeded).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import httpx

ORGANISATIONS = [
    "GM0014", "GM0034", "GM0080", "GM0106", "GM0153", "GM0193", "GM0200", "GM0228",
    "GM0268", "GM0307", "GM0344", "GM0363", "GM0402", "GM0439", "GM0479", "GM0503",
    "GM0518", "GM0546", "GM0599", "GM0637", "GM0772", "GM0796", "GM0855", "GM0935",
    "PV20", "PV21", "PV24", "PV26", "PV27", "PV29",
]  # fmt: skip
TEAMLEDEN = ["tom.teamlid", "fatima.teamlid"]
THEMES = [
    "agressie en intimidatie", "online intimidatie", "bedreiging thuis", "melden en aangifte",
    "nazorg", "veiligheid in raad of Staten", "integriteit", "ondermijning",
]  # fmt: skip
PLANNED = ["GM0153", "GM0855", "PV21"]
# Asked not to be named in the published figures (reporting shows them as "niet gepubliceerd").
NOT_PUBLISHED = ["GM0193", "GM0637"]


def _voorgesprek(chooser: random.Random, code: str, held_on: date) -> dict[str, object]:
    wish = chooser.choice(["ja", "ja", "ja", "later", "nee"])
    first_month = chooser.choice([3, 9])
    year = min(held_on.year + 1, 2026)
    body: dict[str, object] = {
        "organisation_code": code,
        "status": "gehouden",
        "held_on": held_on.isoformat(),
        "start_time": chooser.choice(["10:00", "14:00", "19:30"]),
        "mode": chooser.choice(["fysiek", "fysiek", "online", "telefonisch"]),
        "teamleden": chooser.sample(TEAMLEDEN, chooser.randint(1, 2)),
        "participants": {"griffier": 1, "burgemeester": chooser.randint(0, 1),
                         "fractievoorzitters": chooser.randint(0, 8)},
        "themes": chooser.sample(THEMES, chooser.randint(1, 4)),
        "incident_count": chooser.randint(0, 5),
        "incident_categories": chooser.sample(["bedreiging", "online intimidatie",
                                               "schelden en beledigen"], chooser.randint(0, 2)),
        "session_wish": wish,
        "follow_ups": [
            {"description": "Handreiking agressie en intimidatie sturen",
             "owner": chooser.choice(TEAMLEDEN),
             "due_on": (held_on + timedelta(days=14)).isoformat()}
        ],
    }  # fmt: skip
    if wish == "ja":
        body.update(
            session_format="Staten" if code.startswith("PV") else "plenaire raad",
            preferred_periods=[
                {"start": f"{year}-{first_month:02d}-01", "end": f"{year}-{first_month + 2:02d}-28"}
            ],
            preferred_weekdays=chooser.sample(["maandag", "dinsdag", "woensdag"], 2),
            avoid_weekdays=["donderdag"],
            expected_participants=chooser.randint(15, 45),
            attention_online_intimidation_women=chooser.random() < 0.4,
            college_takes_part=chooser.random() < 0.5,
        )
    return body


def load(client: httpx.Client) -> str:
    chooser = random.Random(2022)  # the same demo every time
    start = date(2024, 9, 1)
    held = 0
    for index, code in enumerate(c for c in ORGANISATIONS if c not in PLANNED):
        held_on = min(start + timedelta(days=index * 23 + chooser.randint(0, 10)), date.today())
        response = client.post(
            "/intake/api/v1/voorgesprekken", json=_voorgesprek(chooser, code, held_on)
        )
        response.raise_for_status()
        held += 1
    for offset, code in enumerate(PLANNED):
        client.post(
            "/intake/api/v1/voorgesprekken",
            json={
                "organisation_code": code,
                "status": "gepland",
                "held_on": (date.today() + timedelta(days=7 * (offset + 1))).isoformat(),
                "mode": "online",
                "teamleden": [TEAMLEDEN[offset % 2]],
            },
        ).raise_for_status()
    client.post(
        "/intake/api/v1/organisaties/GM0014/notities",
        json={"text": "Griffie vraagt om een sessie na het zomerreces."},
    ).raise_for_status()
    for code in NOT_PUBLISHED:
        path = f"/intake/api/v1/organisaties/{code}"
        current = client.get(path)
        current.raise_for_status()
        client.put(
            f"{path}/publicatie",
            json={"not_published": True, "note": "op verzoek van de griffie"},
            headers={"If-Match": current.headers["ETag"]},
        ).raise_for_status()
    return f"{held} gehouden en {len(PLANNED)} geplande voorgesprekken vastgelegd"
