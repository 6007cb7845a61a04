"""How each event changes the read models: pure functions, no I/O.

An event becomes one or more :class:`Change`\\ s (:func:`changes_of`); a change applied to
the row it concerns (``None`` while that row does not exist) gives the row after it. The live
consumers apply the changes of one event, a rebuild those of a whole batch to rows read once:
the same functions, so a rebuild gives exactly the live numbers.

Every change is idempotent and commutes with the other changes of its row, so the events of
one aggregate give the same row in whatever order they arrive (a redelivery or two replicas
can invert them). Each column keeps the value of the highest revision that set it; the
organisation events have no revision, and their time orders them instead. A change whose row
is missing (a cancellation before the planning it cancels) leaves a tombstone: the row with
just that change's columns, invisible to the figures until the row's own event completes it.
A case keeps the earliest of each of its days; its steps (one row per case and kind) are
ordered by the step's own revision. Aftercare cases are kept only with
statistics consent, as days (no moments), and coarsened to months once the case is erased:
nothing finer than what a release publishes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple

from ontour.contracts.aftercare import (
    CaseEvent,
    NazorgAangevraagd,
    NazorgAfgesloten,
    NazorgContactGelegd,
    NazorgGematcht,
    NazorgGewist,
    NazorgIngetrokken,
    NazorgStapGewijzigd,
)
from ontour.contracts.intake import (
    PROTOCOL_FIELDS,
    OrganisatieGeregistreerd,
    OrganisatieGewijzigd,
    VoorgesprekGeannuleerd,
    VoorgesprekGehouden,
    VoorgesprekGepland,
)
from ontour.contracts.scheduling import (
    SessieGeannuleerd,
    SessieGehouden,
    SessieGepland,
    SessieVerplaatst,
    SessieVoorgesteld,
)
from ontour.events import EventData

from reporting.domain.statistics import local_date

Row = dict[str, Any]


class Table(StrEnum):
    ORGANISATION = "rm_organisation"
    VOORGESPREK = "rm_voorgesprek"
    SESSION = "rm_session"
    CASE = "rm_case"
    CASE_STEP = "rm_case_step"
    PROTOCOL_ANSWER = "rm_protocol_answer"


ABOUT_PEOPLE = frozenset({Table.CASE, Table.CASE_STEP})
"""Tables whose changes must not move "bijgewerkt tot": it would tell whoever watches it when
someone asked for help or took a step."""


class Kind(StrEnum):
    SET = "set"  # set the given columns, each unless a higher revision set it already
    CASE = "case"  # create a consented case when missing; set categories, keep the earliest days


class Change(NamedTuple):
    # A named tuple: as immutable as a frozen dataclass, made in a fifth of the time (a
    # rebuild makes one or more an event).
    table: Table
    key: Any
    kind: Kind
    values: Mapping[str, Any]
    revision: int = 0  # what orders the changes of one row (Kind.SET)


def apply(row: Row | None, change: Change) -> Row | None:
    """The row after ``change`` (``row`` itself is left untouched)."""
    if change.kind is Kind.CASE:
        return _fold_case(row, change.values)
    if row is None:
        # Nothing set yet, so every value is newer (what follows, without its copies; most
        # rows of a rebuild start here).
        if not change.values or change.revision <= -1:
            return None
        revision = change.revision
        return {**change.values, "revisions": dict.fromkeys(change.values, revision),
                "revision": revision}  # fmt: skip
    revisions: dict[str, int] = dict(row["revisions"])
    newer = {k: v for k, v in change.values.items() if revisions.get(k, -1) < change.revision}
    if not newer:
        return row
    revisions.update(dict.fromkeys(newer, change.revision))
    # "revision" is the row's highest: what an upsert keeps.
    return {**row, **newer, "revisions": revisions, "revision": max(revisions.values())}


def _fold_case(row: Row | None, values: Mapping[str, Any]) -> Row | None:
    """A consented case after one of its events (a case without consent is not kept)."""
    if not values.get("consent"):
        return row
    after = dict(row) if row is not None else dict(_NEW_CASE)
    # Categories come with every event of a consented case; an empty one never erases them.
    after.update({k: v for k, v in values.items() if k in _CATEGORIES and v not in (None, [])})
    # The earliest day wins (a case matched again after a decline was matched first then),
    # whatever order the events arrive in.
    for name in _DAYS:
        if (day := values.get(name)) is not None:
            after[name] = day if after[name] is None else min(after[name], day)
    if values.get("withdrawn"):
        after["withdrawn"] = True
    # An erased case has only months left: a step that arrives after its erasure (delivered
    # late) still counts in its month, but no duration is measured from months.
    if not after["erased"]:
        requested = after["requested_on"]
        for name, day in (("days_to_match", after["matched_on"]),
                          ("days_to_contact", after["contacted_on"])):  # fmt: skip
            after[name] = (day - requested).days if requested and day else None
    if values.get("erased") or after["erased"]:
        # Nothing finer than what releases publish stays: days become their months.
        after["erased"] = True
        after.update({n: after[n].replace(day=1) for n in _DAYS if after[n] is not None})
    return after


_DAYS = ("requested_on", "matched_on", "contacted_on", "ended_on")
_CATEGORIES = (
    "role", "incidents", "wants_woman", "within_service_level", "outcome", "referrals",
    "already_reported",
)  # fmt: skip
_NEW_CASE: Row = {
    **dict.fromkeys(_DAYS), **dict.fromkeys(_CATEGORIES), "incidents": [], "referrals": [],
    "withdrawn": False, "erased": False, "days_to_match": None, "days_to_contact": None,
}  # fmt: skip


def apply_all(rows: Mapping[Any, Row], changes: Iterable[Change]) -> dict[Any, Row]:
    """Fold changes of one table, in order, into ``rows`` (by key); gives the rows changed."""
    changed: dict[Any, Row] = {}
    for change in changes:
        before = changed.get(change.key)  # a changed row is never None
        if before is None and rows:  # (a rebuild's new rows: no second hash of the key)
            before = rows.get(change.key)
        after = apply(before, change)
        if after is not None and after is not before:
            changed[change.key] = after
    return changed


# --- events into changes ------------------------------------------------------------------------


def _session(e: SessieVoorgesteld | SessieGepland | SessieGehouden, status: str) -> Row:
    return {"organisation_code": e.organisation_code, "status": status, "team_size": e.team_size}


def _case_values(e: CaseEvent, step: str) -> Row:
    if not e.statistics_consent:
        return {"consent": False}
    values: Row = {
        "consent": True,
        "role": e.role_category.value if e.role_category else None,
        "incidents": [c.value for c in e.incident_categories],
        "wants_woman": e.wants_woman,
    }
    day = local_date(e.at)
    if step in ("requested_on", "matched_on", "contacted_on"):
        values[step] = day
    elif step in ("closed", "withdrawn"):
        values["ended_on"] = day
        values["withdrawn"] = step == "withdrawn"
    elif step == "erased":
        values["erased"] = True
    if isinstance(e, NazorgContactGelegd):
        values["within_service_level"] = e.within_service_level
    if isinstance(e, NazorgAangevraagd):
        values["already_reported"] = e.already_reported
    if isinstance(e, NazorgAfgesloten):
        values["outcome"] = e.outcome.value if e.outcome else None
        values["referrals"] = [r.value for r in e.referrals]
    return values


def _in_order_of(at: datetime) -> int:
    """The revision of an event without one: its time, in microseconds."""
    return round(at.timestamp() * 1_000_000)


def _registered(e: OrganisatieGeregistreerd, at: datetime) -> Change:
    values = {"name": e.organisation_name or e.organisation_code, "kind": e.kind.value,
              "province_code": e.province_code, "not_published": False}  # fmt: skip
    return Change(Table.ORGANISATION, e.organisation_code, Kind.SET, values, _in_order_of(at))


def _changed(e: OrganisatieGewijzigd, at: datetime) -> Change:
    values = {"valid_until": e.valid_until, "not_published": e.not_published}
    return Change(Table.ORGANISATION, e.organisation_code, Kind.SET, values, _in_order_of(at))


def _protocol_answers(e: OrganisatieGewijzigd, at: datetime) -> list[Change]:
    """The arrangements against aggression an organisation's change carries: one row per
    question and day an answer holds from (intake lets history only move forward, so every
    answer ever recorded came on some event as the current one). The same question and day
    answered again (a correction) keeps the latest event's answer."""
    changes = []
    for topic in PROTOCOL_FIELDS:
        stand = getattr(e, topic.value)
        if stand is None:
            continue
        key = f"{e.organisation_code} {topic.value} {stand.since.isoformat()}"
        values = {"organisation_code": e.organisation_code, "topic": topic.value,
                  "since": stand.since, "answer": stand.answer.value}  # fmt: skip
        changes.append(Change(Table.PROTOCOL_ANSWER, key, Kind.SET, values, _in_order_of(at)))
    return changes


def _voorgesprek_planned(e: VoorgesprekGepland, _: datetime) -> Change:
    values = {"organisation_code": e.organisation_code, "status": "gepland",
              "held_on": e.planned_on}  # fmt: skip
    return Change(Table.VOORGESPREK, e.voorgesprek_id, Kind.SET, values, e.revision)


def _voorgesprek_held(e: VoorgesprekGehouden, _: datetime) -> Change:
    values = {
        "organisation_code": e.organisation_code,
        "status": "gehouden",
        "held_on": e.held_on,
        "themes": [t.value for t in e.themes],
        "participants": {p.role.value: p.count for p in e.participants},
        "incident_count": e.incident_count,
        "session_wish": e.session_wish.value if e.session_wish else None,
    }
    return Change(Table.VOORGESPREK, e.voorgesprek_id, Kind.SET, values, e.revision)


def _voorgesprek_cancelled(e: VoorgesprekGeannuleerd, _: datetime) -> Change:
    return Change(Table.VOORGESPREK, e.voorgesprek_id, Kind.SET, {"status": "geannuleerd"},
                  e.revision)  # fmt: skip


def _session_proposed(e: SessieVoorgesteld, _: datetime) -> Change:
    values = {**_session(e, "voorgesteld"), "on": e.on}
    return Change(Table.SESSION, e.session_id, Kind.SET, values, e.revision)


def _session_planned(e: SessieGepland, at: datetime) -> Change:
    values = {**_session(e, "bevestigd"), "on": e.on, "planned_at": at}
    return Change(Table.SESSION, e.session_id, Kind.SET, values, e.revision)


def _session_moved(e: SessieVerplaatst, _: datetime) -> Change:
    return Change(Table.SESSION, e.session_id, Kind.SET, {"on": e.on}, e.revision)


def _session_cancelled(e: SessieGeannuleerd, _: datetime) -> Change:
    return Change(Table.SESSION, e.session_id, Kind.SET, {"status": "geannuleerd"}, e.revision)


def _session_held(e: SessieGehouden, _: datetime) -> Change:
    values = {**_session(e, "gehouden"), "on": e.held_on, "participants": e.participants,
              "evaluation_score": e.evaluation_score}  # fmt: skip
    return Change(Table.SESSION, e.session_id, Kind.SET, values, e.revision)


def _case(step: str) -> Callable[[CaseEvent, datetime], Change]:
    def change(e: CaseEvent, _: datetime) -> Change:
        return Change(Table.CASE, e.case_id, Kind.CASE, _case_values(e, step))

    return change


def step_key(case_id: Any, kind: str) -> str:
    """The key of a case's step in its read model."""
    return f"{case_id}|{kind}"


def _step_changed(e: NazorgStapGewijzigd, _: datetime) -> Change:
    # Published only under statistics consent, and with nothing but the step: no moment kept.
    values = {"case_id": e.case_id, "kind": e.kind.value, "status": e.status.value,
              "reason": e.reason.value if e.reason else None}  # fmt: skip
    return Change(Table.CASE_STEP, step_key(e.case_id, e.kind.value), Kind.SET, values, e.revision)


# Every event reporting projects, with what it changes given the event and its time.
CHANGES: dict[type[EventData], Callable[[Any, datetime], Change]] = {
    OrganisatieGeregistreerd: _registered,
    OrganisatieGewijzigd: _changed,
    VoorgesprekGepland: _voorgesprek_planned,
    VoorgesprekGehouden: _voorgesprek_held,
    VoorgesprekGeannuleerd: _voorgesprek_cancelled,
    SessieVoorgesteld: _session_proposed,
    SessieGepland: _session_planned,
    SessieVerplaatst: _session_moved,
    SessieGeannuleerd: _session_cancelled,
    SessieGehouden: _session_held,
    NazorgAangevraagd: _case("requested_on"),
    NazorgGematcht: _case("matched_on"),
    NazorgContactGelegd: _case("contacted_on"),
    NazorgAfgesloten: _case("closed"),
    NazorgIngetrokken: _case("withdrawn"),
    NazorgGewist: _case("erased"),
    NazorgStapGewijzigd: _step_changed,
}


def changes_of(data: EventData, at: datetime) -> list[Change]:
    """Every change one event makes: the row of :data:`CHANGES` and, for an organisation's
    change, one row per arrangement against aggression it carries."""
    changes = [CHANGES[type(data)](data, at)]
    if isinstance(data, OrganisatieGewijzigd):
        changes += _protocol_answers(data, at)
    return changes
