"""``make demo``: fill every service with realistic fictional data, once.

Each service contributes a loader through the entry point group ``ontour.demo``: a function
``load(client: httpx.Client) -> str`` that talks to the service's own API through Caddy
(fictional people, real organisations) and returns a one-line Dutch summary. The loaders run
at once (each fills its own service; one that needs another's events waits for them); the
group ``ontour.demo.afterwards`` runs when they are done (reporting releases what they made).
Every loader takes "today" from ``ontour.clock``, so the demo is never stale.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import httpx

from ontour import http_client
from ontour.devstack.idp import SUBJECT_FOR_ROLE, fetch_id_token

MARKER = "demo-geladen"


def _run_all(client: httpx.Client, group: str, only: tuple[str, ...] | None) -> list[str]:
    loaders: list[EntryPoint] = sorted(
        (ep for ep in entry_points(group=group) if ep.name in (only or [ep.name])),
        key=lambda ep: ep.name,
    )
    if not loaders:
        return []
    with ThreadPoolExecutor(len(loaders)) as pool:
        summaries = pool.map(lambda entry: f"{entry.name}: {entry.load()(client)}", loaders)
        return list(summaries)


def load_demo(
    home: Path, base_url: str, issuer: str, only: tuple[str, ...] | None = None
) -> list[str]:
    """Load every service's demo data (or ``only`` those services') as the demo coordinator
    (from the development IdP)."""
    marker = home / MARKER
    if marker.exists():
        return ["Demodata was al geladen (make reset om opnieuw te beginnen)."]
    token = fetch_id_token(issuer, SUBJECT_FOR_ROLE["coordinator"])
    headers = {"Authorization": f"Bearer {token}"}
    with http_client.client(base_url=base_url, timeout=60.0, headers=headers) as client:
        summaries = _run_all(client, "ontour.demo", only)
        summaries += _run_all(client, "ontour.demo.afterwards", only)
    marker.write_text("\n".join(summaries) + "\n", encoding="utf-8")
    return sorted(summaries)
