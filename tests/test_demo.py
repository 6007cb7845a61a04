"""`make demo`: the demo loader fills the services through their APIs, once, relative to today
(``ontour.clock``): on any day the agenda of the coming weeks, the coordinator's queue and the
reporting page show something real. Today on the suite's stack; a year later on a stack of
intake and scheduling whose clock says so."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from ontour import http_client
from ontour.clock import OVERRIDE, today
from ontour.devstack.demo import load_demo
from ontour.devstack.idp import SUBJECT_FOR_ROLE, fetch_id_token
from ontour.devstack.tour_calendar import VISITS, in_recess, planning_window, visits
from scheduling.demo import planner_outcome

# Each demo fills a whole stack of its own: spread them over the workers.
pytestmark = pytest.mark.spread
# One client for every call: the checks below poll reporting until it caught up.
http = http_client.client(timeout=30.0)


def held_count(base_url: str, headers: dict[str, str]) -> int:
    """Held voorgesprekken as the ministry sees them (a tour figure: exact)."""
    figures = http.get(f"{base_url}/reporting/api/v1/tour", headers=headers).json()
    [headline] = [t for t in figures["tabellen"] if t["naam"] == "kerncijfers"]
    cell = headline["rijen"][0][1]
    return int(cell["waarde"] or 0)


def suppressed_cells(tables: list[dict[str, Any]]) -> list[str]:
    return [
        f"{table['naam']}: {cell['onderdrukt']}"
        for table in tables
        for row in table["rijen"]
        for cell in row
        if isinstance(cell, dict) and cell.get("onderdrukt")
    ]


def check_aftercare(base_url: str, headers: dict[str, str], on: date) -> None:
    """Two years of requests in every stage, most closed with an outcome, the last weeks'
    open: the coordinator's queue is not empty."""
    cases = [
        case
        for closed in ("false", "true")  # the open requests, and the closed and withdrawn ones
        for case in http.get(
            f"{base_url}/aftercare/api/v1/verzoeken", headers=headers,
            params={"afgesloten": closed, "perPagina": 100},
        ).json()["items"]
    ]  # fmt: skip
    # 60 of the demo's, and the few the aftercare browser tests ask for on a stack they share.
    assert 55 <= len(cases) <= 70
    received = sorted(datetime.fromisoformat(c["requested_at"]).date() for c in cases)
    assert (on - received[0]).days > 600 and (on - received[-1]).days <= 3
    roles = Counter(c["role"] for c in cases)
    assert roles.most_common(1)[0][0] == "raadslid" and roles["commissaris van de Koning"] == 1
    statuses = Counter(c["status"] for c in cases)
    assert set(statuses) == {
        "aangevraagd", "gematcht", "contact gelegd", "lopend", "afgesloten", "ingetrokken"
    }, statuses  # fmt: skip
    assert statuses["afgesloten"] > len(cases) / 2
    recent = [c for c in cases if (on - datetime.fromisoformat(c["requested_at"]).date()).days < 14]
    assert recent and all(c["status"] != "afgesloten" for c in recent)
    assert sum(c["service_level"] == "gehaald" for c in cases) > len(cases) / 2
    # A few requesters under way prepared a statement for the police and share it with
    # their peer (the audit trail says so; the statement itself only its peer can read).
    under_way = [c for c in cases if c["status"] in ("contact gelegd", "lopend")]
    shared = [
        c for c in under_way
        if any(entry["action"] == "delen" for entry in http.get(
            f"{base_url}/aftercare/api/v1/audit", headers=headers,
            params={"objectType": "verklaring", "objectId": c["id"]},
        ).json())
    ]  # fmt: skip
    assert len(shared) == 3, shared


def check_agenda(base_url: str, headers: dict[str, str], on: date) -> None:
    """The coming weeks hold proposed and confirmed sessions, and a teamlid's feed shows them."""
    _, last = planning_window(on)
    sessions = http.get(
        f"{base_url}/scheduling/api/v1/sessies",
        params={"van": on.isoformat(), "tot": last.isoformat()},
        headers=headers,
    ).json()
    statuses = Counter(s["status"] for s in sessions)
    assert statuses["voorgesteld"] and statuses["bevestigd"], statuses
    confirmed = next(s for s in sessions if s["status"] == "bevestigd")
    member = confirmed["members"][0]
    feed = http.post(
        f"{base_url}/scheduling/api/v1/teamleden/{member}/agendafeed", headers=headers
    ).json()
    calendar = http.get(feed["url"]).text
    assert f"DTSTART;TZID=Europe/Amsterdam:{confirmed['on'].replace('-', '')}" in calendar


def melden_helpt_total(base_url: str, headers: dict[str, str]) -> list[Any]:
    """The total row of Melden helpt: organisations, then per question at the voorgesprek
    and now (count, share)."""
    figures = http.get(f"{base_url}/reporting/api/v1/tour", headers=headers).json()
    [table] = [t for t in figures["tabellen"] if t["naam"] == "melden-helpt-per-provincie"]
    total = [row for row in table["rijen"] if row[0] == "totaal"]
    return [cell["waarde"] for cell in total[0][1:]] if total else []


def check_melden_helpt_release(base_url: str, headers: dict[str, str], newest: Any) -> None:
    """The releases say what the demo's requests led to and why steps were let go: the newest
    quarter has the tables (its small counts hidden), the last whole year released counts."""
    tables = {t["naam"]: t for t in newest["tabellen"]}
    assert [row[0] for row in tables["nazorg-vervolgstappen"]["rijen"]] == [
        "een melding (bij griffie of werkgever)", "een aangifte bij de politie",
        "een beveiligingsadvies", "afgesloten of ingetrokken (totaal)",
    ]  # fmt: skip
    assert [row[0] for row in tables["nazorg-afgezien"]["rijen"]][:4] == [
        "geen vertrouwen dat het helpt", "te veel gedoe", "angst voor gevolgen", "anders"
    ]  # fmt: skip
    # Early in a year its last quarter is not released yet: then the year before is whole.
    for year in (today().year - 1, today().year - 2):
        answer = http.get(f"{base_url}/reporting/api/v1/nazorg/jaren/{year}", headers=headers)
        if answer.status_code != 404:
            break
    assert answer.status_code == 200, answer.text
    [led_to] = [t for t in answer.json()["tabellen"] if t["naam"] == "nazorg-vervolgstappen"]
    released = [row[1]["waarde"] for row in led_to["rijen"][:3] if row[1]["waarde"] is not None]
    assert released and min(released) >= 5, led_to


def test_demo_fills_every_service_relative_to_today(stack, base_url, tmp_path, as_role):
    ministry, coordinator = as_role("ministerie"), as_role("coordinator")
    on = today()
    before = held_count(base_url, ministry)
    started = time.monotonic()
    summary = load_demo(tmp_path, base_url, stack.issuer)
    print(f"demo loaded in {time.monotonic() - started:.1f} s:", *summary, sep="\n")
    aftercare_line, intake_line, reporting_line, scheduling_line = summary
    assert aftercare_line.startswith("aftercare: 6 peers, 60 nazorgverzoeken over twee jaar (")
    check_aftercare(base_url, coordinator, on)
    assert intake_line.startswith("intake: 230 gehouden voorgesprekken bij 200 organisaties")
    # Every quarter from 2025-K1 up to the last one closed ten working days ago is released,
    # the newest with real numbers, not only "<5".
    assert "kwartalen vrijgegeven (2025-K1 t/m" in reporting_line
    releases = http.get(f"{base_url}/reporting/api/v1/nazorg", headers=ministry).json()
    [headline] = [t for t in releases["tabellen"] if t["naam"] == "nazorg-kerncijfers"]
    assert headline["rijen"][0][1]["waarde"] is not None
    check_melden_helpt_release(base_url, ministry, releases)
    assert scheduling_line.startswith("scheduling: 12 teamleden, ")
    assert "planner: klaar" in scheduling_line and " 0 sessies voorgesteld" not in scheduling_line
    check_agenda(base_url, coordinator, on)
    held = http.get(
        f"{base_url}/scheduling/api/v1/sessies", params={"status": "gehouden"}, headers=coordinator
    ).json()
    assert len({s["organisation_code"] for s in held}) >= 85  # sessions at about 90
    deadline = time.monotonic() + 10
    while held_count(base_url, ministry) < before + 230 and time.monotonic() < deadline:
        time.sleep(0.5)
    tour = http.get(f"{base_url}/reporting/api/v1/tour", headers=ministry).json()
    assert held_count(base_url, ministry) >= before + 230
    assert suppressed_cells(tour["tabellen"]) == []
    # Every visited organisation's arrangements, some improved since its voorgesprek.
    while (not (total := melden_helpt_total(base_url, ministry)) or total[0] < 200
           or total[3] <= total[1]) and time.monotonic() < deadline + 20:  # fmt: skip
        time.sleep(0.5)
    assert total[0] >= 200 and 0 < total[1] < total[3] < total[0], total
    assert load_demo(tmp_path, base_url, stack.issuer) == [
        "Demodata was al geladen (make reset om opnieuw te beginnen)."
    ]


def test_a_demo_loaded_a_year_later_has_its_own_coming_weeks(
    start_stack, tmp_path_factory: pytest.TempPathFactory, monkeypatch
):
    later = today() + timedelta(days=365)
    monkeypatch.setenv(OVERRIDE, later.isoformat())  # this process and the stack's services
    home = tmp_path_factory.mktemp("ontour-a-year-later")
    only = ("intake", "scheduling")
    with start_stack(home, services=only, database_prefix="a_year_later_") as running:
        base_url = f"http://127.0.0.1:{running.http_port}"
        intake_line, scheduling_line = load_demo(home, base_url, running.issuer, only=only)
        assert intake_line.startswith("intake: 230 gehouden voorgesprekken")
        assert "planner: klaar" in scheduling_line, scheduling_line
        token = fetch_id_token(running.issuer, SUBJECT_FOR_ROLE["coordinator"])
        check_agenda(base_url, {"Authorization": f"Bearer {token}"}, later)


def test_the_tour_keeps_the_councils_calendar_and_the_startup_line_says_why_nothing_was_planned():
    for on in (date(2026, 12, 6), date(2027, 7, 20)):
        tour = visits(on)
        assert len(tour) == VISITS and tour == visits(on)  # the same demo for the same day
        assert not [v for v in tour if in_recess(v.held_on) or v.held_on.weekday() >= 5]
        ahead = [v for v in tour if v.wish == "ja" and v.periods[0][1] >= on]
        assert len(ahead) >= 20 and all(v.periods[0][0] >= planning_window(on)[0] for v in ahead)
    passed = {"reason": "periode-voorbij", "explanation": "De gewenste periode is al voorbij."}
    run = {"status": "klaar", "result": {"unplanned": [passed, passed]}}
    assert planner_outcome(run, 0) == (
        "planner: klaar, niets voorgesteld: 2 verzoeken: De gewenste periode is al voorbij"
    )
    assert planner_outcome({"status": "klaar", "result": {"unplanned": []}}, 0) == (
        "planner: klaar, geen open verzoeken"
    )
    assert planner_outcome(run, 12) == "planner: klaar"
