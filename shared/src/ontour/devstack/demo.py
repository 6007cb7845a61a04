"""``make demo``: fill every service with realistic fictional data, once.

Each service contributes a loader through the entry point group ``ontour.demo``: a function
``load(client: httpx.Client) -> str`` that talks to the service's own API through Caddy
(fictional people, real organisations) and returns a one-line Dutch summary.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import httpx

from ontour.devstack.idp import SUBJECT_FOR_ROLE, fetch_id_token

MARKER = "demo-geladen"


def load_demo(home: Path, base_url: str, issuer: str) -> list[str]:
    """Load every service's demo data as the demo coordinator (from the development IdP)."""
    marker = home / MARKER
    if marker.exists():
        return ["Demodata was al geladen (make reset om opnieuw te beginnen)."]
    summaries = []
    token = fetch_id_token(issuer, SUBJECT_FOR_ROLE["coordinator"])
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, timeout=30.0, headers=headers) as client:
        for entry in sorted(entry_points(group="ontour.demo"), key=lambda ep: ep.name):
            summaries.append(f"{entry.name}: {entry.load()(client)}")
    marker.write_text("\n".join(summaries) + "\n", encoding="utf-8")
    return summaries
