"""Demo data for intake: the tour since mid-2022 with real gemeenten and provincies, fictional
people, generated relative to today (``ontour.clock``) so it never goes stale.

About 230 held voorgesprekken by season (``ontour.devstack.tour_calendar``), each with themes,
participants and a session wish (so scheduling gets session requests: the older ones it
records as held, the recent ones it plans), follow-up actions for the recent ones, a few
planned voorgesprekken, a note, two organisations that asked not to be named in the
published figures and, for every visited organisation, its arrangements against aggression
as told at its first voorgesprek (some improved since); always the same for the same day
(seeded).
"""

from __future__ import annotations

import csv
import io
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
from ontour.clock import today as clock_today
from ontour.devstack.tour_calendar import RECENT_DAYS, VISITS, Visit, resumes, visits
from ontour.formatting import format_datum

from intake.reference_data import load_register

API = "/intake/api/v1"
SEED = 2022
ORGANISATIONS = 200  # visited; the other voorgesprekken are a second one with the same
PLANNED = 4
WORKERS = 4  # calls at once: their order does not matter
# The demo team (scheduling's demo team, the same sign-in ids).
TEAMLEDEN = ["tom.teamlid", "fatima.teamlid", "anne.teamlid", "henk.teamlid", "sanne.teamlid",
             "pieter.teamlid", "yara.teamlid", "koen.teamlid", "lisa.teamlid", "ahmed.teamlid",
             "els.teamlid", "bart.teamlid"]  # fmt: skip
THEMES = [
    "agressie en intimidatie", "online intimidatie", "bedreiging thuis", "melden en aangifte",
    "nazorg", "veiligheid in raad of Staten", "integriteit", "ondermijning",
]  # fmt: skip
# Asked not to be named in the published figures (reporting shows them as "niet gepubliceerd").
NOT_PUBLISHED = 2
# Arrangements against aggression at the first voorgesprek: the chance of ja and of nee per
# question (the rest onbekend), and the chance that a "no" became "ja" since.
ARRANGEMENTS = {
    "aggression_protocol": (0.35, 0.5), "officials_reporting_point": (0.25, 0.6),
    "police_liaison": (0.55, 0.3), "domicile_arrangements": (0.2, 0.4),
}  # fmt: skip
IMPROVED = 0.35
ATTEMPTS = 5


def _voorgesprek(rng: random.Random, code: str, visit: Visit, today: date) -> dict[str, object]:
    body: dict[str, object] = {
        "organisation_code": code,
        "status": "gehouden",
        "held_on": visit.held_on.isoformat(),
        "start_time": rng.choice(["10:00", "14:00", "19:30"]),
        "mode": rng.choice(["fysiek", "fysiek", "online", "telefonisch"]),
        "teamleden": rng.sample(TEAMLEDEN, rng.randint(1, 2)),
        "participants": {"griffier": 1, "burgemeester": rng.randint(0, 1),
                         "fractievoorzitters": rng.randint(0, 8)},
        "themes": rng.sample(THEMES, rng.randint(1, 4)),
        "incident_count": rng.randint(0, 5),
        "incident_categories": rng.sample(["bedreiging", "online intimidatie",
                                           "schelden en beledigen"], rng.randint(0, 2)),
        "session_wish": visit.wish,
    }  # fmt: skip
    if visit.held_on >= today - timedelta(days=RECENT_DAYS):
        body["follow_ups"] = [
            {"description": "Handreiking agressie en intimidatie sturen",
             "owner": rng.choice(TEAMLEDEN),
             "due_on": (visit.held_on + timedelta(days=14)).isoformat()}
        ]  # fmt: skip
    if visit.wish == "ja":
        body.update(
            session_format="Staten" if code.startswith("PV") else "plenaire raad",
            preferred_periods=[
                {"start": start.isoformat(), "end": end.isoformat()} for start, end in visit.periods
            ],
            preferred_weekdays=list(visit.preferred_weekdays),
            avoid_weekdays=list(visit.avoid_weekdays),
            expected_participants=rng.randint(15, 45),
            attention_online_intimidation_women=rng.random() < 0.4,
            college_takes_part=rng.random() < 0.5,
        )
    return body


def _arrangements(
    rng: random.Random, first_visit: date, today: date
) -> list[tuple[date, dict[str, str]]]:
    """What an organisation answered at its first voorgesprek and, for some, a later day on
    which a missing arrangement was there (a protocol adopted, a reporting point opened)."""
    said = {}
    for question, (yes, no) in ARRANGEMENTS.items():
        draw = rng.random()
        said[question] = "ja" if draw < yes else "nee" if draw < yes + no else "onbekend"
    answers = [(first_visit, said)]
    days_since = (today - first_visit).days
    if days_since > 30 and rng.random() < IMPROVED:
        improved = {**said, rng.choice(["aggression_protocol", "officials_reporting_point"]): "ja"}
        if improved != said:
            answers.append((first_visit + timedelta(days=rng.randint(30, days_since)), improved))
    return answers


def _record_arrangements(
    client: httpx.Client, code: str, answers: list[tuple[date, dict[str, str]]]
) -> None:
    path = f"{API}/organisaties/{code}"
    for since, said in answers:
        # Scheduling's sessions move the tour status meanwhile: on a 409, read it again.
        for _ in range(ATTEMPTS):
            current = client.get(path)
            current.raise_for_status()
            recorded = client.put(
                f"{path}/protocol", json={**said, "since": since.isoformat()},
                headers={"If-Match": current.headers["ETag"]},
            )  # fmt: skip
            if recorded.status_code != 409:
                break
        recorded.raise_for_status()


def _planned(rng: random.Random, code: str, offset: int, today: date) -> dict[str, object]:
    on = resumes(today + timedelta(days=3 + 5 * offset))
    while on.weekday() >= 5:
        on += timedelta(days=1)
    return {"organisation_code": code, "status": "gepland", "held_on": on.isoformat(),
            "mode": "online", "teamleden": [rng.choice(TEAMLEDEN)]}  # fmt: skip


IMPORT_COLUMNS = {
    "organisatie": "organisation_code", "datum": "held_on", "tijd": "start_time",
    "vorm": "mode", "teamleden": "teamleden", "thema's": "themes",
    "incidenten_aantal": "incident_count", "incidenten_categorieen": "incident_categories",
    "sessiewens": "session_wish", "sessievorm": "session_format",
    "voorkeursperiode": "preferred_periods", "voorkeursavonden": "preferred_weekdays",
    "vergaderavonden_vermijden": "avoid_weekdays", "verwachte_deelnemers": "expected_participants",
    "aandacht_online_intimidatie_vrouwen": "attention_online_intimidation_women",
    "college_neemt_deel": "college_takes_part",
}  # fmt: skip
PARTICIPANT_COLUMNS = ("griffier", "burgemeester", "fractievoorzitters")


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "ja" if value else ""
    if isinstance(value, list):
        return "; ".join(
            f"{date.fromisoformat(v['start']):%d-%m-%Y} t/m {date.fromisoformat(v['end']):%d-%m-%Y}"
            if isinstance(v, dict) else str(v)
            for v in value
        )  # fmt: skip
    return "" if value is None else str(value)


def _spreadsheet(bodies: list[dict[str, object]]) -> str:
    """The history as the team's own spreadsheet, in the import template's columns."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*IMPORT_COLUMNS, *(f"deelnemers_{role}" for role in PARTICIPANT_COLUMNS)])
    for body in bodies:
        participants = body["participants"]
        assert isinstance(participants, dict)
        writer.writerow([
            *(_cell(body.get(field)) for field in IMPORT_COLUMNS.values()),
            *(participants.get(role, 0) for role in PARTICIPANT_COLUMNS),
        ])  # fmt: skip
    return out.getvalue()


def _organisations(rng: random.Random, tour: list[Visit], codes: list[str]) -> list[str]:
    """Every visited organisation once, some twice (a new council after the elections, say),
    never twice on one day."""
    # A scaled demo (``ONTOUR_DEMO_SCALE``) visits every organisation, most several times.
    visited = rng.sample(codes, min(len(codes), ORGANISATIONS * len(tour) // VISITS))
    again = len(tour) - len(visited)
    repeated = (
        rng.sample(visited, again) if again <= len(visited) else rng.choices(visited, k=again)
    )
    order = visited + repeated
    rng.shuffle(order)
    seen: set[tuple[str, date]] = set()
    spare = iter(c for c in codes if c not in set(visited))
    for n, visit in enumerate(tour):
        if (order[n], visit.held_on) in seen:
            order[n] = next(spare, None) or next(c for c in codes if (c, visit.held_on) not in seen)
        seen.add((order[n], visit.held_on))
    return order


def load(client: httpx.Client) -> str:
    today = clock_today()
    rng = random.Random(SEED)  # the same demo every time
    tour = visits(today)
    codes = sorted(o.cbs_code for o in load_register())
    order = _organisations(rng, tour, codes)
    bodies = [_voorgesprek(rng, code, v, today) for code, v in zip(order, tour, strict=True)]
    # The history comes in as the team's spreadsheet (one import), the recent voorgesprekken
    # with their follow-up actions one by one, as the team records them now.
    history = [b for b in bodies if "follow_ups" not in b]
    imported = client.post(
        f"{API}/imports",
        files={"file": ("tour-tot-nu.csv", _spreadsheet(history).encode(), "text/csv")},
    )
    imported.raise_for_status()
    counts = imported.json()["counts"]
    if counts.get("geimporteerd") != len(history):
        raise RuntimeError(f"demo-import: {counts}")
    not_visited = sorted(set(codes) - set(order))
    recent = [b for b in bodies if "follow_ups" in b]
    recent += [_planned(rng, code, n, today) for n, code in enumerate(not_visited[:PLANNED])]
    with ThreadPoolExecutor(WORKERS) as pool:
        for response in pool.map(lambda b: client.post(f"{API}/voorgesprekken", json=b), recent):
            response.raise_for_status()
    visited = sorted(set(order))
    client.post(
        f"{API}/organisaties/{visited[0]}/notities",
        json={"text": "Griffie vraagt om een sessie na het zomerreces."},
    ).raise_for_status()
    for code in visited[1 : 1 + NOT_PUBLISHED]:
        path = f"{API}/organisaties/{code}"
        current = client.get(path)
        current.raise_for_status()
        client.put(
            f"{path}/publicatie",
            json={"not_published": True, "note": "op verzoek van de griffie"},
            headers={"If-Match": current.headers["ETag"]},
        ).raise_for_status()
    first_visit: dict[str, date] = {}
    for code, visit in zip(order, tour, strict=True):
        first_visit[code] = min(visit.held_on, first_visit.get(code, visit.held_on))
    # A generator of its own, so the voorgesprekken above stay as they were.
    said = random.Random(SEED + 19)
    arrangements = {code: _arrangements(said, first_visit[code], today) for code in visited}
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda code: _record_arrangements(client, code, arrangements[code]),
                      visited))  # fmt: skip
    wishes = sum(v.wish == "ja" for v in tour)
    return (
        f"{len(tour)} gehouden voorgesprekken bij {len(visited)} organisaties sinds "
        f"{format_datum(tour[0].held_on)} ({wishes} met een sessiewens; {len(history)} "
        f"geïmporteerd), "
        f"{PLANNED} gepland, afspraken tegen agressie bij {len(arrangements)}"
    )
