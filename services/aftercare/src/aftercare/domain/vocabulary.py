"""The words of peer aftercare (nazorg), as the OT and the intake form use them.

The values are Dutch because they are what users read and what is stored and published in
events; the member names are English so that code reads as code. Changing a value is a
data migration, not a refactoring.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from ontour.contracts.aftercare import (
    CaseOutcome,
    CaseStatus,
    IncidentCategory,
    Referral,
    RequesterRole,
)

__all__ = [
    "BACKGROUND_FOR_ROLE",
    "CaseOutcome",
    "CaseStatus",
    "ConsentPurpose",
    "ContactMode",
    "ErasureReason",
    "Gender",
    "GenderWish",
    "IncidentCategory",
    "PeerBackground",
    "Referral",
    "RequesterRole",
]


class ContactMode(StrEnum):
    """How the peer and the requester talk."""

    TELEFOON = "telefoon"
    VIDEO = "video"
    PERSOONLIJK = "persoonlijk"


class PeerBackground(StrEnum):
    """The office a peer held: what makes them a peer for someone in that office now."""

    OUD_BURGEMEESTER = "oud-burgemeester"
    OUD_WETHOUDER = "oud-wethouder"
    OUD_RAADSLID = "oud-raadslid"
    OUD_STATENLID = "oud-statenlid"
    OUD_GEDEPUTEERDE = "oud-gedeputeerde"
    ANDERS = "anders"


BACKGROUND_FOR_ROLE: Mapping[RequesterRole, PeerBackground] = MappingProxyType(
    {
        RequesterRole.RAADSLID: PeerBackground.OUD_RAADSLID,
        RequesterRole.WETHOUDER: PeerBackground.OUD_WETHOUDER,
        RequesterRole.BURGEMEESTER: PeerBackground.OUD_BURGEMEESTER,
        RequesterRole.STATENLID: PeerBackground.OUD_STATENLID,
        RequesterRole.GEDEPUTEERDE: PeerBackground.OUD_GEDEPUTEERDE,
    }
)
"""The peer background that is "the same" as a requester's role. Roles without an entry
(commissaris van de Koning, griffier/ambtenaar, anders) have no same-background peer."""


class Gender(StrEnum):
    """A peer's gender, as far as it matters for a requester's wish."""

    VROUW = "vrouw"
    MAN = "man"
    ANDERS = "anders"


class GenderWish(StrEnum):
    """Whom the requester wants to talk to. Women facing (online) intimidation often ask for a
    woman: that wish is a hard requirement in matching, never a mere preference."""

    GEEN_VOORKEUR = "geen voorkeur"
    VROUW = "vrouw"
    MAN = "man"


class ConsentPurpose(StrEnum):
    """What a requester consents to, recorded per purpose (AVG)."""

    BEHANDELING = "behandeling"
    DELEN_MET_PEER = "delen met peer"
    ANONIEME_STATISTIEK = "anonieme statistiek"


class ErasureReason(StrEnum):
    """Why a case was erased (kept on its tombstone)."""

    ON_REQUEST = "op verzoek"
    END_OF_RETENTION = "einde bewaartermijn"
