"""An organisation's arrangements against aggression ("Melden helpt"): the rules for recording
them. Pure: no database, web or clock.

Per organisation four questions (agressieprotocol, meldpunt voor ambtsdragers, vast
contactpersoon bij de politie, afspraken over domiciliekeuze), each answered ja, nee or
onbekend, from a day on (normally the day of the voorgesprek). Every change is kept; the
current answer is the newest. History moves forward: a new answer holds from the day of the
current one or later (the same day corrects it), never from the future, so each answer that
was ever recorded has been the current one and every ``organisatie.gewijzigd`` that announced
it carried it: a consumer that keeps what the events carried has the whole history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from ontour.application.errors import Refused
from ontour.contracts.intake import (
    PROTOCOL_FIELDS,
    OrganisatieVeld,
    ProtocolAntwoord,
    ProtocolStand,
)
from ontour.formatting import format_datum

# What each question is called for a user (Dutch), by the field that carries it.
PROTOCOL_LABELS: Mapping[OrganisatieVeld, str] = {
    OrganisatieVeld.AGGRESSION_PROTOCOL: "agressieprotocol",
    OrganisatieVeld.OFFICIALS_REPORTING_POINT: "meldpunt voor ambtsdragers",
    OrganisatieVeld.POLICE_LIAISON: "vast contactpersoon bij de politie",
    OrganisatieVeld.DOMICILE_ARRANGEMENTS: "afspraken over domiciliekeuze",
}

Answers = Mapping[OrganisatieVeld, ProtocolStand]


@dataclass(frozen=True, slots=True)
class ProtocolChange:
    """One question answered anew: from what (None: never answered) to what."""

    topic: OrganisatieVeld
    before: ProtocolStand | None
    after: ProtocolStand


# An export's columns for the current answers: per question its answer and the day it holds from.
EXPORT_COLUMNS = tuple(
    column
    for name in (PROTOCOL_LABELS[topic].replace(" ", "_") for topic in PROTOCOL_FIELDS)
    for column in (name, f"{name}_sinds")
)


def export_cells(current: Answers) -> list[str | date | None]:
    """The current answers under :data:`EXPORT_COLUMNS` (empty where never answered)."""
    cells: list[str | date | None] = []
    for topic in PROTOCOL_FIELDS:
        stand = current.get(topic)
        cells += [stand.answer.value, stand.since] if stand else [None, None]
    return cells


def stored(current: Mapping[str, Any] | None) -> dict[OrganisatieVeld, ProtocolStand]:
    """The current answers as stored (JSON by field name) as typed answers."""
    return {
        OrganisatieVeld(name): ProtocolStand.model_validate(value)
        for name, value in (current or {}).items()
    }


def storable(current: Answers) -> dict[str, Any]:
    """The current answers as stored: JSON by field name, in the questions' order."""
    return {t.value: current[t].model_dump(mode="json") for t in PROTOCOL_FIELDS if t in current}


def record(
    current: Answers,
    answers: Mapping[OrganisatieVeld, ProtocolAntwoord],
    since: date,
    *,
    today: date,
) -> list[ProtocolChange]:
    """What recording ``answers`` (from ``since``) changes, question by question; an answer
    equal to the current one changes nothing. Refuses (naming the field) a day in the future
    or before the current answer's day."""
    if since > today:
        raise Refused("de datum ligt in de toekomst", "since")
    changes = []
    for topic in PROTOCOL_FIELDS:
        if topic not in answers:
            continue
        before = current.get(topic)
        if before is not None and before.answer == answers[topic]:
            continue
        if before is not None and since < before.since:
            raise Refused(
                f"het {PROTOCOL_LABELS[topic]} heeft al een antwoord vanaf "
                f"{format_datum(before.since)}; een nieuw antwoord geldt vanaf die dag of later",
                "since",
            )
        changes.append(
            ProtocolChange(topic, before, ProtocolStand(answer=answers[topic], since=since))
        )
    return changes


def after(current: Answers, changes: list[ProtocolChange]) -> dict[OrganisatieVeld, ProtocolStand]:
    """The current answers once ``changes`` are recorded."""
    return {**current, **{change.topic: change.after for change in changes}}


def summary(change: ProtocolChange) -> str:
    """The change as the timeline says it (Dutch)."""
    label = PROTOCOL_LABELS[change.topic].capitalize()
    was = change.before.answer.value if change.before else "niet vastgelegd"
    return (
        f"{label}: {was} → {change.after.answer.value} (vanaf {format_datum(change.after.since)})"
    )
