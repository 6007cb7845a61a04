"""The life of an aftercare case, as a state machine.

aangevraagd → gematcht → contact gelegd → lopend → afgesloten, with two side doors:
*ingetrokken* (the requester withdraws) from every state that is not final, and gematcht →
aangevraagd when the peer declines (the case goes back in the queue for a rematch, and that
peer is never proposed for it again).

The allowed moves are one table (:data:`TRANSITIONS`) rather than checks spread over the
functions, so the rules can be read, tested and shown in one place. Cases are immutable:
every function returns a new :class:`AftercareCase` with the move in its history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from ontour.application.errors import Refused

from aftercare.domain.vocabulary import CaseOutcome, CaseStatus, ContactMode, Referral

TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = MappingProxyType(
    {
        CaseStatus.AANGEVRAAGD: frozenset({CaseStatus.GEMATCHT, CaseStatus.INGETROKKEN}),
        CaseStatus.GEMATCHT: frozenset(
            {CaseStatus.CONTACT_GELEGD, CaseStatus.AANGEVRAAGD, CaseStatus.INGETROKKEN}
        ),
        CaseStatus.CONTACT_GELEGD: frozenset({CaseStatus.LOPEND, CaseStatus.INGETROKKEN}),
        CaseStatus.LOPEND: frozenset({CaseStatus.AFGESLOTEN, CaseStatus.INGETROKKEN}),
        CaseStatus.AFGESLOTEN: frozenset(),
        CaseStatus.INGETROKKEN: frozenset(),
    }
)
"""Per status, the statuses a case may move to. Final statuses allow none."""

FINAL: frozenset[CaseStatus] = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
OPEN: frozenset[CaseStatus] = frozenset(TRANSITIONS) - FINAL


class DomainError(Refused):
    """A rule of aftercare was broken. The message is Dutch and can be shown to the user
    (as every service's refusals are: 409, "Dit kan niet: ...")."""


class IllegalTransition(DomainError):
    """A case cannot move from its status to the one asked for."""

    def __init__(self, current: CaseStatus, target: CaseStatus) -> None:
        allowed = ", ".join(f"'{s}'" for s in CaseStatus if s in TRANSITIONS[current])
        then = (
            f"vanuit '{current}' kan alleen: {allowed}" if allowed else f"'{current}' is definitief"
        )
        super().__init__(
            f"Een nazorgverzoek met status '{current}' kan niet naar '{target}'; {then}."
        )
        self.current = current
        self.target = target


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One move in a case's history."""

    source: CaseStatus
    target: CaseStatus
    at: datetime


@dataclass(frozen=True, slots=True)
class AftercareCase:
    """An aftercare request and what happened to it so far."""

    case_id: str
    requested_at: datetime
    status: CaseStatus = CaseStatus.AANGEVRAAGD
    peer_id: str | None = None
    declined_by: frozenset[str] = frozenset()
    contacted_at: datetime | None = None
    """First contact between peer and requester (what the service level measures)."""
    contact_mode: ContactMode | None = None
    outcome: CaseOutcome | None = None
    referrals: frozenset[Referral] = frozenset()
    history: tuple[StatusChange, ...] = ()


def _move(case: AftercareCase, target: CaseStatus, at: datetime, **changes: Any) -> AftercareCase:
    if target not in TRANSITIONS[case.status]:
        raise IllegalTransition(case.status, target)
    history = (*case.history, StatusChange(case.status, target, at))
    return replace(case, status=target, history=history, **changes)


def match(case: AftercareCase, peer_id: str, at: datetime) -> AftercareCase:
    """Assign a peer (aangevraagd → gematcht)."""
    if peer_id in case.declined_by:
        raise DomainError("Deze peer heeft dit nazorgverzoek eerder afgewezen.")
    return _move(case, CaseStatus.GEMATCHT, at, peer_id=peer_id)


def decline(case: AftercareCase, at: datetime) -> AftercareCase:
    """The peer declines (gematcht → aangevraagd); the case waits for another peer."""
    declined_by = case.declined_by if case.peer_id is None else case.declined_by | {case.peer_id}
    return _move(case, CaseStatus.AANGEVRAAGD, at, peer_id=None, declined_by=declined_by)


def record_contact(case: AftercareCase, at: datetime, mode: ContactMode) -> AftercareCase:
    """The peer reached the requester (gematcht → contact gelegd)."""
    return _move(case, CaseStatus.CONTACT_GELEGD, at, contacted_at=at, contact_mode=mode)


def start(case: AftercareCase, at: datetime) -> AftercareCase:
    """Aftercare conversations are under way (contact gelegd → lopend)."""
    return _move(case, CaseStatus.LOPEND, at)


def close(
    case: AftercareCase, at: datetime, outcome: CaseOutcome, referrals: Iterable[Referral] = ()
) -> AftercareCase:
    """Close with an outcome and any referrals (lopend → afgesloten)."""
    referred = frozenset(referrals)
    if outcome is CaseOutcome.DOORVERWEZEN and not referred:
        raise DomainError(f"Bij de uitkomst '{outcome}' hoort minstens één doorverwijzing.")
    return _move(case, CaseStatus.AFGESLOTEN, at, outcome=outcome, referrals=referred)


def withdraw(case: AftercareCase, at: datetime) -> AftercareCase:
    """The requester withdraws (any status that is not final → ingetrokken)."""
    return _move(case, CaseStatus.INGETROKKEN, at)
