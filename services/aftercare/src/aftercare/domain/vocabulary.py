"""The words of peer aftercare (nazorg), as the OT and the intake form use them.

The values are Dutch because they are what users read and what is stored and published in
events; the member names are English so that code reads as code. Changing a value is a
data migration, not a refactoring.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class RequesterRole(StrEnum):
    """The office (or function) of the person asking for aftercare."""

    RAADSLID = "raadslid"
    WETHOUDER = "wethouder"
    BURGEMEESTER = "burgemeester"
    STATENLID = "statenlid"
    GEDEPUTEERDE = "gedeputeerde"
    COMMISSARIS_VAN_DE_KONING = "commissaris van de Koning"
    GRIFFIER_AMBTENAAR = "griffier/ambtenaar"
    ANDERS = "anders"


class IncidentCategory(StrEnum):
    """What happened; a request can name several."""

    ONLINE_INTIMIDATIE = "online intimidatie"
    BEDREIGING = "bedreiging"
    FYSIEK_GEWELD = "fysiek geweld"
    INTIMIDATIE_THUIS = "intimidatie thuis of bij de woning"
    DOXING = "doxing"
    GERICHT_TEGEN_FAMILIE = "gericht tegen familie"
    DISCRIMINATIE_OF_SEKSISME = "discriminatie of seksisme"
    ANDERS = "anders"


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


class CaseStatus(StrEnum):
    """Where an aftercare request is in its life; see :mod:`aftercare.domain.workflow`."""

    AANGEVRAAGD = "aangevraagd"
    GEMATCHT = "gematcht"
    CONTACT_GELEGD = "contact gelegd"
    LOPEND = "lopend"
    AFGESLOTEN = "afgesloten"
    INGETROKKEN = "ingetrokken"


class CaseOutcome(StrEnum):
    """How a closed case ended."""

    AFGEROND = "nazorg afgerond"
    DOORVERWEZEN = "doorverwezen"
    GEEN_BEHOEFTE_MEER = "geen behoefte meer"
    GEEN_CONTACT = "geen contact tot stand gekomen"


class Referral(StrEnum):
    """Where the peer referred the requester to (zero or more per case)."""

    POLITIE_AANGIFTE = "politie/aangifte"
    BEVEILIGINGSADVIES = (
        "beveiligingsadvies (Regeling beveiligingsmaatregelen decentrale bestuurders)"
    )
    PSYCHOLOGISCHE_HULP = "psychologische hulp"
    JURIDISCH_ADVIES = "juridisch advies"
    WERKGEVER_GRIFFIE = "werkgever/griffie"


class ConsentPurpose(StrEnum):
    """What a requester consents to, recorded per purpose (AVG)."""

    BEHANDELING = "behandeling"
    DELEN_MET_PEER = "delen met peer"
    ANONIEME_STATISTIEK = "anonieme statistiek"
