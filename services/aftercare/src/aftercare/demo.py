"""Demo data for aftercare: peer profiles and a few fictional requests (one matched)."""

from __future__ import annotations

from typing import Any

import httpx

API = "/aftercare/api/v1"
PEERS = [
    {"id": "fatima.teamlid", "name": "Fatima El Amrani", "background": "oud-burgemeester",
     "gender": "vrouw", "capacity": 3, "expertise": ["online intimidatie", "doxing"],
     "regions": ["PV27", "PV28"]},
    {"id": "tom.teamlid", "name": "Tom Bakker", "background": "oud-wethouder", "gender": "man",
     "capacity": 2, "expertise": ["bedreiging"], "regions": ["PV26"]},
    {"id": "anne.teamlid", "name": "Anne de Boer", "background": "oud-raadslid",
     "gender": "vrouw", "capacity": 2, "expertise": ["online intimidatie"], "regions": ["PV20"]},
]  # fmt: skip
REQUESTS: list[dict[str, Any]] = [
    {"role": "raadslid", "incident_categories": ["online intimidatie"], "gender_wish": "vrouw",
     "province_code": "PV27", "name": "Sanne de Wit (fictief)", "email": "sanne@example.org",
     "consent_share_with_peer": True, "consent_statistics": True},
    {"role": "wethouder",
     "incident_categories": ["bedreiging", "intimidatie thuis of bij de woning"],
     "province_code": "PV26", "name": "Karel Smits (fictief)", "phone": "06 11111111",
     "consent_statistics": True},
    {"role": "statenlid", "incident_categories": ["discriminatie of seksisme"],
     "province_code": "PV20", "name": "Noor Bakker (fictief)", "email": "noor@example.org"},
]  # fmt: skip


def load(client: httpx.Client) -> str:
    for peer in PEERS:
        response = client.post(f"{API}/peers", json=peer)
        if response.status_code != 409:
            response.raise_for_status()
    for request in REQUESTS:
        client.post(
            f"{API}/verzoeken", json={**request, "consent_handling": True}
        ).raise_for_status()
    queue = client.get(f"{API}/verzoeken").json()
    first = queue[0]
    proposal = client.get(f"{API}/verzoeken/{first['id']}/voorstel").json()
    if proposal["best"]:
        client.post(
            f"{API}/verzoeken/{first['id']}/koppeling",
            json={"peer_id": proposal["best"]["peer_id"], "version": first["version"]},
        ).raise_for_status()
    return f"{len(PEERS)} peers, {len(REQUESTS)} nazorgverzoeken (1 gekoppeld)"
