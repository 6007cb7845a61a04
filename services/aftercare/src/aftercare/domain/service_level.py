"""The service level of aftercare: first contact within a number of working days.

*Start point.* The clock starts when the request is made (``requested_at``), not when it is
matched: what counts is how long someone who was threatened waits for a call, so a slow
match eats into the term instead of restarting it, and a decline with rematch does not
restart it either.

*Working days.* Monday to Friday except Dutch public holidays: :mod:`ontour.workdays`.

*Deadline.* The end of the N-th working day after the day of the request, in
Europe/Amsterdam: with N = 2 a request on Monday has until Wednesday 23:59, one on Friday
evening or Saturday until Tuesday.

*Reminder and escalation.* At ``alert_time`` (09:00) on the working day that lies
``reminder_working_days_before`` (default 1) or ``escalation_working_days_before``
(default 0: the deadline day itself) working days before the deadline day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from ontour.workdays import DUTCH_CALENDAR, WorkingCalendar

from aftercare.domain.workflow import OPEN, AftercareCase

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(AMSTERDAM)


def deadline(
    start: datetime, working_days: int, calendar: WorkingCalendar = DUTCH_CALENDAR
) -> datetime:
    """The last moment (Europe/Amsterdam) of the ``working_days``-th working day after the
    day of ``start``."""
    if working_days < 1:
        raise ValueError("working_days must be at least 1")
    last_day = calendar.shift(_local(start).date(), working_days)
    return datetime.combine(last_day, time.max, tzinfo=AMSTERDAM)


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """How many working days first contact may take, and when to remind and escalate."""

    working_days: int = 2
    reminder_working_days_before: int = 1
    escalation_working_days_before: int = 0
    alert_time: time = time(9, 0)
    calendar: WorkingCalendar = DUTCH_CALENDAR

    def __post_init__(self) -> None:
        if self.working_days < 1:
            raise ValueError("working_days must be at least 1")
        if not 0 <= self.escalation_working_days_before <= self.reminder_working_days_before:
            raise ValueError(
                "escalation_working_days_before must lie between 0 and reminder_working_days_before"
            )

    def _alert_at(self, deadline: datetime, working_days_before: int) -> datetime:
        day = self.calendar.shift(_local(deadline).date(), -working_days_before)
        return datetime.combine(day, self.alert_time, tzinfo=AMSTERDAM)

    def reminder_at(self, deadline: datetime) -> datetime:
        return self._alert_at(deadline, self.reminder_working_days_before)

    def escalation_at(self, deadline: datetime) -> datetime:
        return self._alert_at(deadline, self.escalation_working_days_before)


DEFAULT_POLICY = SlaPolicy()


class SlaState(StrEnum):
    """Where a case stands against its first-contact deadline."""

    ON_TRACK = "op schema"
    REMINDER_DUE = "herinnering nodig"
    ESCALATION_DUE = "escalatie nodig"
    MISSED = "termijn gemist"
    MET = "gehaald"


def state(
    now: datetime,
    deadline: datetime,
    contacted_at: datetime | None,
    policy: SlaPolicy = DEFAULT_POLICY,
) -> SlaState:
    """The state at ``now``. Contact after the deadline still counts as missed."""
    if contacted_at is not None:
        return SlaState.MET if contacted_at <= deadline else SlaState.MISSED
    if now > deadline:
        return SlaState.MISSED
    if now >= policy.escalation_at(deadline):
        return SlaState.ESCALATION_DUE
    if now >= policy.reminder_at(deadline):
        return SlaState.REMINDER_DUE
    return SlaState.ON_TRACK


class AlertKind(StrEnum):
    HERINNERING = "herinnering"
    ESCALATIE = "escalatie"


class Recipient(StrEnum):
    PEER = "peer"
    COORDINATOR = "coördinator"


@dataclass(frozen=True, slots=True)
class Alert:
    """A message that is due, with its Dutch text."""

    kind: AlertKind
    recipient: Recipient
    due_at: datetime
    message: str


def alerts_due(
    case: AftercareCase, now: datetime, policy: SlaPolicy = DEFAULT_POLICY
) -> tuple[Alert, ...]:
    """Every alert due by ``now`` for a case that is open and has had no first contact yet.

    The reminder goes to the peer, or to the coordinator while there is no peer; the
    escalation always goes to the coordinator. The answer is cumulative (an escalation due
    means the reminder is due too): the caller sends each (kind, recipient) once per case.
    """
    if case.status not in OPEN or case.contacted_at is not None:
        return ()
    due = deadline(case.requested_at, policy.working_days, policy.calendar)
    by = f"{due:%d-%m-%Y}"
    alerts = []
    reminder_at = policy.reminder_at(due)
    if now >= reminder_at:
        if case.peer_id is None:
            recipient = Recipient.COORDINATOR
            text = (
                f"Herinnering: nazorgverzoek {case.case_id} heeft nog geen peer; het eerste "
                f"contact moet uiterlijk {by} plaatsvinden."
            )
        else:
            recipient = Recipient.PEER
            text = (
                f"Herinnering: neem uiterlijk {by} voor het eerst contact op met de aanvrager "
                f"van nazorgverzoek {case.case_id}."
            )
        alerts.append(Alert(AlertKind.HERINNERING, recipient, reminder_at, text))
    escalation_at = policy.escalation_at(due)
    if now >= escalation_at:
        ends = "is verlopen op" if now > due else "verloopt op"
        alerts.append(
            Alert(
                AlertKind.ESCALATIE,
                Recipient.COORDINATOR,
                escalation_at,
                f"Escalatie: nazorgverzoek {case.case_id} heeft nog geen eerste contact; de "
                f"termijn {ends} {by}.",
            )
        )
    return tuple(alerts)
