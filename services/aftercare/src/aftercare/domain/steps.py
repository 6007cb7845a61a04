"""The steps of an aftercare case: what the requester does after the incident, followed up.

*Kinds.* A melding (at the griffie or the employer), an aangifte (with the police), a
beveiligingsadvies (Regeling beveiligingsmaatregelen decentrale bestuurders), a woningscan,
and the other referrals (psychological help, legal advice). A case has at most one step of
each kind. The referrals of a closed case (``CaseRow.referrals``) became steps of these kinds
(:data:`KIND_OF_REFERRAL`).

*Status.* ``voorgesteld`` → ``aangevraagd`` → ``afgerond``, or ``afgezien`` with a reason
category at any point before ``afgerond``. A step may be recorded straight at a later status
(someone who already filed an aangifte says so); ``afgerond`` and ``afgezien`` are final.

*Who.* The requester, from the status link, records what they did themselves (melding,
aangifte, beveiligingsadvies, woningscan) but proposes nothing; the peer and the coordinator
record and change every step and propose the referrals.

*Standing still.* A step that is ``voorgesteld`` or ``aangevraagd`` and has not changed for
a number of working days is a reminder to the peer, while the case is open.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ontour.application.errors import Refused
from ontour.contracts.aftercare import ForgoneReason, Referral, StepKind, StepStatus
from ontour.workdays import DUTCH_CALENDAR, WorkingCalendar

from aftercare.domain.service_level import AMSTERDAM, Alert, AlertKind, Recipient, deadline

__all__ = [
    "KIND_OF_REFERRAL",
    "REQUESTER_KINDS",
    "Actor",
    "ForgoneReason",
    "StepChange",
    "StepKind",
    "StepStatus",
    "change_step",
    "registration_number",
    "stands_still",
    "step_reminder",
]


class Actor(StrEnum):
    """Who recorded a change of a step."""

    AANVRAGER = "aanvrager"
    PEER = "peer"
    COORDINATOR = "coördinator"


KIND_OF_REFERRAL: dict[Referral, StepKind] = {
    Referral.POLITIE_AANGIFTE: StepKind.AANGIFTE,
    Referral.BEVEILIGINGSADVIES: StepKind.BEVEILIGINGSADVIES,
    Referral.PSYCHOLOGISCHE_HULP: StepKind.PSYCHOLOGISCHE_HULP,
    Referral.JURIDISCH_ADVIES: StepKind.JURIDISCH_ADVIES,
    Referral.WERKGEVER_GRIFFIE: StepKind.MELDING,
}
"""The step each referral of a closed case stands for."""

REQUESTER_KINDS = frozenset(
    {StepKind.MELDING, StepKind.AANGIFTE, StepKind.BEVEILIGINGSADVIES, StepKind.WONINGSCAN}
)
"""The steps a requester records themself, from their status link."""

FINAL = frozenset({StepStatus.AFGEROND, StepStatus.AFGEZIEN})
STILL = frozenset({StepStatus.VOORGESTELD, StepStatus.AANGEVRAAGD})
_ORDER = (StepStatus.VOORGESTELD, StepStatus.AANGEVRAAGD, StepStatus.AFGEROND)
_REGISTRATION = re.compile(r"[A-Z0-9][A-Z0-9 ./-]{3,38}[A-Z0-9]")


@dataclass(frozen=True, slots=True)
class StepChange:
    """A step's new state, as a change records it."""

    kind: StepKind
    status: StepStatus
    reason: ForgoneReason | None
    actor: Actor


def change_step(current: StepStatus | None, change: StepChange) -> StepChange:
    """The change when the rules allow it from ``current`` (None: a new step); else
    :class:`Refused`, naming the field when the input is at fault."""
    if change.actor is Actor.AANVRAGER:
        if change.kind not in REQUESTER_KINDS:
            raise Refused("deze stap legt uw peer vast, niet u", "kind")
        if change.status is StepStatus.VOORGESTELD:
            raise Refused("kies wat u heeft gedaan: aangevraagd, afgerond of afgezien", "status")
    if (change.status is StepStatus.AFGEZIEN) != (change.reason is not None):
        if change.reason is None:
            raise Refused("kies waarom er van deze stap is afgezien", "reason")
        raise Refused("een reden hoort alleen bij een stap waarvan is afgezien", "reason")
    if current is None:
        return change
    if current in FINAL or (
        change.status is not StepStatus.AFGEZIEN
        and _ORDER.index(change.status) <= _ORDER.index(current)
    ):
        raise Refused(f"deze stap is al {current.value}")
    return change


def registration_number(kind: StepKind, value: str | None) -> str | None:
    """The police's registration number of an aangifte, normalised (upper case, trimmed);
    None when empty; :class:`Refused` when it cannot be one, or the step is no aangifte."""
    if value is None or not value.strip():
        return None
    if kind is not StepKind.AANGIFTE:
        raise Refused("alleen een aangifte heeft een registratienummer", "registration_number")
    normalised = " ".join(value.split()).upper()
    if not _REGISTRATION.fullmatch(normalised):
        raise Refused(
            "vul het registratienummer in zoals de politie het gaf (letters, cijfers en "
            "streepjes, 5 tot 40 tekens)",
            "registration_number",
        )
    return normalised


def stands_still(
    status: StepStatus,
    changed_at: datetime,
    now: datetime,
    working_days: int,
    calendar: WorkingCalendar = DUTCH_CALENDAR,
) -> bool:
    """Whether a step has stood still too long: still ``voorgesteld`` or ``aangevraagd``
    after the end of the ``working_days``-th working day after its last change."""
    return status in STILL and now > deadline(changed_at, working_days, calendar)


def step_reminder(
    kind: StepKind,
    status: StepStatus,
    changed_at: datetime,
    now: datetime,
    working_days: int,
    calendar: WorkingCalendar = DUTCH_CALENDAR,
) -> Alert | None:
    """The reminder to the peer for a step that stands still (:func:`stands_still`)."""
    if not stands_still(status, changed_at, now, working_days, calendar):
        return None
    due = deadline(changed_at, working_days, calendar)
    since = f"{changed_at.astimezone(AMSTERDAM):%d-%m-%Y}"
    return Alert(
        AlertKind.HERINNERING,
        Recipient.PEER,
        due,
        f"Herinnering: de stap {kind.value} staat sinds {since} op {status.value}; vraag de "
        "aanvrager hoe het ermee staat.",
    )
