"""Matching one aftercare request with a peer: who may not, who fits best, and why.

Two kinds of rules, as in mentor-match:

- *disqualifiers* are hard: a peer of the requester's own organisation, with a declared
  conflict, who already declined this case, who is full or unavailable, or whose gender is not
  the one asked for is never proposed. Each names its reason in Dutch, so a coordinator sees
  why a familiar name is missing.
- *weighted rules* are soft: same background, relevant expertise, region, language and load.
  Every candidate carries its points per rule with a Dutch reason; the coordinator decides,
  the proposal explains.

Plain Python over a list of peers is fast enough (``bench/bench_matching.py``: a few
milliseconds for 1,000 peers, against a target of 50 ms), so one code path both scores and
explains; numpy would only pay off for much larger pools. Batch assignment over many
requests lives in :mod:`aftercare.domain.assignment`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from enum import StrEnum

from aftercare.domain.vocabulary import (
    BACKGROUND_FOR_ROLE,
    Gender,
    GenderWish,
    IncidentCategory,
    PeerBackground,
    RequesterRole,
)


@dataclass(frozen=True, slots=True)
class PeerProfile:
    """What matching needs to know about a peer (no name, no contact details)."""

    peer_id: str
    background: PeerBackground
    gender: Gender
    capacity: int
    """Most active cases this peer wants at once."""
    active_cases: int = 0
    available: bool = True
    organisation_codes: frozenset[str] = frozenset()
    """Organisations (GMxxxx / PVxx) the peer belongs or belonged to."""
    conflict_codes: frozenset[str] = frozenset()
    """Organisations the peer declared a conflict of interest with."""
    regions: frozenset[str] = frozenset()
    """Province codes (PVxx) the peer knows or works in."""
    expertise: frozenset[IncidentCategory] = frozenset()
    languages: frozenset[str] = frozenset({"nl"})
    """ISO 639-1 codes."""
    last_assigned_at: datetime | None = None
    """Breaks ties between equal candidates: whoever waited longest for a case goes first."""

    def __post_init__(self) -> None:
        if self.capacity < 0 or self.active_cases < 0:
            raise ValueError("capacity and active_cases cannot be negative")


@dataclass(frozen=True, slots=True)
class MatchRequest:
    """An aftercare request as matching sees it."""

    case_id: str
    role: RequesterRole
    incident_categories: frozenset[IncidentCategory]
    requested_at: datetime
    organisation_code: str | None = None
    province_code: str | None = None
    gender_wish: GenderWish = GenderWish.GEEN_VOORKEUR
    wants_same_background: bool = False
    language: str = "nl"
    declined_by: frozenset[str] = frozenset()
    """Peers who declined this case before: never proposed again for it."""

    def __post_init__(self) -> None:
        if self.requested_at.tzinfo is None:
            raise ValueError("requested_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class MatchWeights:
    """Points per weighted rule. Defaults: a wished background counts most, online
    intimidation expertise twice other expertise; ``waiting_per_day`` (batch only) exceeds
    the largest score difference of a typical request, so a request that waited a day longer
    wins a contested place (see :mod:`aftercare.domain.assignment`)."""

    same_background: float = 1.0
    same_background_wished: float = 3.0
    """Replaces ``same_background`` when the requester asked for the same background."""
    expertise: float = 1.0
    """Per incident category of the request that the peer has experience with."""
    online_intimidation_expertise: float = 2.0
    """Instead of ``expertise`` for online intimidation."""
    region: float = 1.0
    language: float = 0.5
    load: float = 1.0
    """Times the free fraction of the peer's capacity."""
    waiting_per_day: float = 10.0

    def __post_init__(self) -> None:
        if any(getattr(self, f.name) < 0 for f in fields(self)):
            raise ValueError("match weights cannot be negative")


DEFAULT_WEIGHTS = MatchWeights()


class Disqualifier(StrEnum):
    """Why a peer can never be proposed for a request."""

    SAME_ORGANISATION = "zelfde organisatie"
    CONFLICT = "belangenconflict"
    DECLINED = "eerder afgewezen"
    AT_CAPACITY = "geen plaats vrij"
    UNAVAILABLE = "niet beschikbaar"
    GENDER = "ander geslacht dan gevraagd"


class Rule(StrEnum):
    """A weighted matching rule."""

    SAME_BACKGROUND = "zelfde achtergrond"
    EXPERTISE = "ervaring"
    REGION = "regio"
    LANGUAGE = "taal"
    LOAD = "belasting"


@dataclass(frozen=True, slots=True)
class Objection:
    """One disqualifier that applies, with its Dutch reason."""

    disqualifier: Disqualifier
    reason: str


@dataclass(frozen=True, slots=True)
class Contribution:
    """The points one rule gave a candidate, with its Dutch reason."""

    rule: Rule
    points: float
    reason: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible peer with its score (higher is better) and why."""

    peer_id: str
    score: float
    contributions: tuple[Contribution, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(c.reason for c in self.contributions)


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A peer that may not be proposed, with every disqualifier that applies."""

    peer_id: str
    objections: tuple[Objection, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(o.reason for o in self.objections)


@dataclass(frozen=True, slots=True)
class Proposal:
    """Ranked candidates for one request (best first) and the excluded peers."""

    case_id: str
    candidates: tuple[Candidate, ...]
    excluded: tuple[Exclusion, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def alternatives(self) -> tuple[Candidate, ...]:
        return self.candidates[1:]

    def next_candidate(self, excluding: Collection[str]) -> Candidate | None:
        """The best-ranked candidate not in ``excluding`` (e.g. peers already asked)."""
        return next((c for c in self.candidates if c.peer_id not in excluding), None)


_WISHED_GENDER = {GenderWish.VROUW: Gender.VROUW, GenderWish.MAN: Gender.MAN}
_WISHED_ADJECTIVE = {GenderWish.VROUW: "vrouwelijke", GenderWish.MAN: "mannelijke"}


@dataclass(frozen=True, slots=True)
class _Check:
    disqualifier: Disqualifier
    applies: Callable[[MatchRequest, PeerProfile], bool]
    reason: Callable[[MatchRequest, PeerProfile], str]


def _wrong_gender(request: MatchRequest, peer: PeerProfile) -> bool:
    wished = _WISHED_GENDER.get(request.gender_wish)
    return wished is not None and peer.gender != wished


_CHECKS = (
    _Check(
        Disqualifier.SAME_ORGANISATION,
        lambda r, p: r.organisation_code in p.organisation_codes,
        lambda r, p: f"is of was verbonden aan dezelfde organisatie ({r.organisation_code})",
    ),
    _Check(
        Disqualifier.CONFLICT,
        lambda r, p: r.organisation_code in p.conflict_codes,
        lambda r, p: f"heeft een belangenconflict gemeld met {r.organisation_code}",
    ),
    _Check(
        Disqualifier.DECLINED,
        lambda r, p: p.peer_id in r.declined_by,
        lambda r, p: "heeft dit verzoek eerder afgewezen",
    ),
    _Check(
        Disqualifier.AT_CAPACITY,
        lambda r, p: p.active_cases >= p.capacity,
        lambda r, p: f"geen plaats vrij ({p.active_cases} van {p.capacity} plaatsen bezet)",
    ),
    _Check(
        Disqualifier.UNAVAILABLE,
        lambda r, p: not p.available,
        lambda r, p: "is op dit moment niet beschikbaar",
    ),
    _Check(
        Disqualifier.GENDER,
        _wrong_gender,
        lambda r, p: f"de aanvrager vraagt om een {_WISHED_ADJECTIVE[r.gender_wish]} peer",
    ),
)


def objections(request: MatchRequest, peer: PeerProfile) -> tuple[Objection, ...]:
    """Every disqualifier that keeps ``peer`` from ``request``, with its reason."""
    return tuple(
        Objection(check.disqualifier, check.reason(request, peer))
        for check in _CHECKS
        if check.applies(request, peer)
    )


def is_eligible(request: MatchRequest, peer: PeerProfile) -> bool:
    """Whether no disqualifier applies (cheaper than building the objections)."""
    return not any(check.applies(request, peer) for check in _CHECKS)


@dataclass(frozen=True, slots=True)
class _WeightedRule:
    rule: Rule
    points: Callable[[MatchRequest, PeerProfile, MatchWeights], float]
    reason: Callable[[MatchRequest, PeerProfile], str]


def _background_points(request: MatchRequest, peer: PeerProfile, weights: MatchWeights) -> float:
    if BACKGROUND_FOR_ROLE.get(request.role) != peer.background:
        return 0.0
    return (
        weights.same_background_wished if request.wants_same_background else weights.same_background
    )


def _background_reason(request: MatchRequest, peer: PeerProfile) -> str:
    wished = ", zoals gevraagd" if request.wants_same_background else ""
    return f"zelfde achtergrond ({peer.background}){wished}"


def _expertise_points(request: MatchRequest, peer: PeerProfile, weights: MatchWeights) -> float:
    return sum(
        weights.online_intimidation_expertise
        if category is IncidentCategory.ONLINE_INTIMIDATIE
        else weights.expertise
        for category in request.incident_categories & peer.expertise
    )


_CATEGORIES = tuple(IncidentCategory)  # iterating the enum itself is slow


def _expertise_reason(request: MatchRequest, peer: PeerProfile) -> str:
    shared = request.incident_categories & peer.expertise
    return "ervaring met " + _dutch_list([c for c in _CATEGORIES if c in shared])


def _dutch_list(items: Sequence[str]) -> str:
    """``a``, ``a en b``, ``a, b en c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} en {items[-1]}"


_RULES = (
    _WeightedRule(Rule.SAME_BACKGROUND, _background_points, _background_reason),
    _WeightedRule(Rule.EXPERTISE, _expertise_points, _expertise_reason),
    _WeightedRule(
        Rule.REGION,
        lambda r, p, w: w.region if r.province_code in p.regions else 0.0,
        lambda r, p: "zelfde regio",
    ),
    _WeightedRule(
        Rule.LANGUAGE,
        lambda r, p, w: w.language if r.language in p.languages else 0.0,
        lambda r, p: f"spreekt de gevraagde taal ({r.language})",
    ),
)


def match_points(request: MatchRequest, peer: PeerProfile, weights: MatchWeights) -> float:
    """The points of every weighted rule except load, which depends on how many cases the peer
    gets (see :func:`load_points`)."""
    return sum(rule.points(request, peer, weights) for rule in _RULES)


def load_points(peer: PeerProfile, weights: MatchWeights, extra_cases: int = 0) -> float:
    """Points for the free fraction of the peer's capacity, with ``extra_cases`` more cases
    than now: an emptier peer scores higher, so work spreads over peers."""
    return weights.load * (1 - (peer.active_cases + extra_cases) / peer.capacity)


def _candidate(request: MatchRequest, peer: PeerProfile, weights: MatchWeights) -> Candidate:
    contributions = [
        Contribution(rule.rule, points, rule.reason(request, peer))
        for rule in _RULES
        if (points := rule.points(request, peer, weights)) > 0
    ]
    contributions.append(
        Contribution(
            Rule.LOAD,
            load_points(peer, weights),
            f"{peer.active_cases} van {peer.capacity} plaatsen bezet",
        )
    )
    score = round(sum(c.points for c in contributions), 6)
    return Candidate(peer.peer_id, score, tuple(contributions))


def propose(
    request: MatchRequest, peers: Sequence[PeerProfile], weights: MatchWeights = DEFAULT_WEIGHTS
) -> Proposal:
    """All eligible peers ranked by score (ties: longest without a new case first, then id),
    and every excluded peer with its reasons."""
    ranked: list[tuple[tuple[float, bool, float, str], Candidate]] = []
    excluded: list[Exclusion] = []
    for peer in peers:
        found = objections(request, peer)
        if found:
            excluded.append(Exclusion(peer.peer_id, found))
            continue
        scored = _candidate(request, peer, weights)
        last = peer.last_assigned_at
        key = (-scored.score, last is not None, last.timestamp() if last else 0.0, peer.peer_id)
        ranked.append((key, scored))
    ranked.sort(key=lambda pair: pair[0])
    return Proposal(request.case_id, tuple(c for _, c in ranked), tuple(excluded))
