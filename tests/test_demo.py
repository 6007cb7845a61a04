"""`make demo`: the demo loader fills the services through their APIs, once."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import httpx
from ontour.devstack.demo import load_demo


def held_count(base_url: str, headers: dict[str, str]) -> int:
    """Held voorgesprekken as the ministry sees them (a tour figure: exact)."""
    figures = httpx.get(f"{base_url}/reporting/api/v1/tour", headers=headers).json()
    [headline] = [t for t in figures["tabellen"] if t["naam"] == "kerncijfers"]
    cell = headline["rijen"][0][1]
    return int(cell["waarde"] or 0)


def check_aftercare_volume(base_url: str, headers: dict[str, str]) -> None:
    """Two years of requests, most closed with an outcome, the last weeks' still open."""
    cases = httpx.get(f"{base_url}/aftercare/api/v1/verzoeken", headers=headers).json()
    assert 40 <= len(cases) <= 60
    received = sorted(datetime.fromisoformat(c["requested_at"]) for c in cases)
    now = datetime.now(UTC)
    assert (now - received[0]).days > 600 and (now - received[-1]).days <= 3
    roles = Counter(c["role"] for c in cases)
    assert roles.most_common(1)[0][0] == "raadslid" and roles["commissaris van de Koning"] == 1
    statuses = Counter(c["status"] for c in cases)
    assert statuses["afgesloten"] > len(cases) / 2 and statuses["ingetrokken"] >= 1
    recent = [c for c in cases if (now - datetime.fromisoformat(c["requested_at"])).days < 14]
    assert recent and all(c["status"] != "afgesloten" for c in recent)
    assert sum(c["service_level"] == "gehaald" for c in cases) > len(cases) / 2


def test_demo_data_is_loaded_once_and_reaches_reporting(stack, base_url, tmp_path, as_role):
    ministry = as_role("ministerie")
    before = held_count(base_url, ministry)
    summary = load_demo(tmp_path, base_url, stack.issuer)
    aftercare_line, intake_line, reporting_line, scheduling_line = summary
    assert aftercare_line == (
        "aftercare: 6 peers, 49 nazorgverzoeken over twee jaar "
        "(39 afgesloten, 3 ingetrokken, 7 open)"
    )
    check_aftercare_volume(base_url, as_role("coordinator"))
    assert intake_line == "intake: 27 gehouden en 3 geplande voorgesprekken vastgelegd"
    # Every quarter from 2025-K1 up to the last one closed ten working days ago is released.
    assert reporting_line.startswith("reporting: ") and "kwartalen vrijgegeven (2025-K1 t/m" \
        in reporting_line  # fmt: skip
    releases = httpx.get(f"{base_url}/reporting/api/v1/nazorg", headers=ministry).json()
    [headline] = [t for t in releases["tabellen"] if t["naam"] == "nazorg-kerncijfers"]
    assert headline["rijen"][0][1]["waarde"] is not None  # real numbers, not only "<5"
    assert scheduling_line.startswith("scheduling: 6 teamleden, ")
    assert "sessies voorgesteld" in scheduling_line and "planner: klaar" in scheduling_line
    deadline = time.monotonic() + 10
    while held_count(base_url, ministry) < before + 27 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert held_count(base_url, ministry) >= before + 27
    assert load_demo(tmp_path, base_url, stack.issuer) == [
        "Demodata was al geladen (make reset om opnieuw te beginnen)."
    ]
    assert held_count(base_url, ministry) >= before + 27
