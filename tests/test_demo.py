"""`make demo`: the demo loader fills the services through their APIs, once."""

from __future__ import annotations

import time

import httpx
from ontour.devstack.demo import load_demo


def held_count(base_url: str, headers: dict[str, str]) -> int:
    """Held voorgesprekken as the ministry sees them (0 while the count is "<5")."""
    figures = httpx.get(f"{base_url}/reporting/api/v1/tour", headers=headers).json()
    [headline] = [t for t in figures["tabellen"] if t["naam"] == "kerncijfers"]
    cell = headline["rijen"][0][1]
    return int(cell["waarde"] or 0)


def test_demo_data_is_loaded_once_and_reaches_reporting(stack, base_url, tmp_path, as_role):
    ministry = as_role("ministerie")
    before = held_count(base_url, ministry)
    summary = load_demo(tmp_path, base_url, stack.issuer)
    aftercare_line, intake_line, scheduling_line = summary
    assert aftercare_line == "aftercare: 3 peers, 3 nazorgverzoeken (1 gekoppeld)"
    assert intake_line == "intake: 27 gehouden en 3 geplande voorgesprekken vastgelegd"
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
