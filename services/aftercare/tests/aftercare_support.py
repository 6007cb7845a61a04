"""Builders for aftercare's pure domain tests: a plain peer and a plain request, overridable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aftercare.domain.matching import MatchRequest, PeerProfile
from aftercare.domain.vocabulary import Gender, IncidentCategory, PeerBackground, RequesterRole

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def peer(peer_id: str = "peer-a", **overrides: Any) -> PeerProfile:
    """A peer that no rule rewards but load, and no disqualifier excludes."""
    fields: dict[str, Any] = {
        "background": PeerBackground.ANDERS,
        "gender": Gender.MAN,
        "capacity": 2,
        "languages": frozenset({"fy"}),
    }
    return PeerProfile(peer_id=peer_id, **(fields | overrides))


def request(case_id: str = "case-1", **overrides: Any) -> MatchRequest:
    """A raadslid of GM0014 in PV20 about threats, with no wishes."""
    fields: dict[str, Any] = {
        "role": RequesterRole.RAADSLID,
        "incident_categories": frozenset({IncidentCategory.BEDREIGING}),
        "requested_at": T0,
        "organisation_code": "GM0014",
        "province_code": "PV20",
    }
    return MatchRequest(case_id=case_id, **(fields | overrides))
