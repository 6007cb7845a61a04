"""Melden helpt: how many organisations have an aggression protocol and a reporting point for
office holders, at their voorgesprek and now. Pure: no I/O.

Public-body facts, exact. An organisation counts once it had a voorgesprek; its answer *at
the voorgesprek* is the one that held on the day of its first held voorgesprek (the newest
answer from that day or before; none recorded by then: not "ja"), its answer *now* the newest
of all. "onbekend" and never recorded count as not "ja": the shares are of all organisations
with a voorgesprek, so they cannot rise by leaving questions unanswered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from ontour.contracts.intake import OrganisatieVeld

# The questions whose shares the tour figures show, with their Dutch name.
COUNTED: Mapping[OrganisatieVeld, str] = {
    OrganisatieVeld.AGGRESSION_PROTOCOL: "agressieprotocol",
    OrganisatieVeld.OFFICIALS_REPORTING_POINT: "meldpunt",
}


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer as reporting keeps it: which organisation, question, from when, what."""

    organisation_code: str
    topic: str
    since: date
    answer: str


@dataclass(frozen=True, slots=True)
class Tally:
    """Of a group of organisations with a voorgesprek: how many, and per question how many
    said "ja" at their voorgesprek and how many say so now."""

    organisations: int
    then: Mapping[OrganisatieVeld, int]
    now: Mapping[OrganisatieVeld, int]


def _holds(answers: Iterable[Answer], on: date | None) -> str | None:
    """The answer that held on ``on`` (None: the newest of all)."""
    valid = [a for a in answers if on is None or a.since <= on]
    return max(valid, key=lambda a: a.since).answer if valid else None


def tally(first_voorgesprek: Mapping[str, date], answers: Iterable[Answer]) -> Tally:
    """The counts of the organisations ``first_voorgesprek`` names (each with the day of its
    first held voorgesprek)."""
    by_question: dict[tuple[str, str], list[Answer]] = defaultdict(list)
    for answer in answers:
        if answer.organisation_code in first_voorgesprek:
            by_question[answer.organisation_code, answer.topic].append(answer)
    then = dict.fromkeys(COUNTED, 0)
    now = dict.fromkeys(COUNTED, 0)
    for code, held_on in first_voorgesprek.items():
        for topic in COUNTED:
            given = by_question.get((code, topic.value), [])
            then[topic] += _holds(given, held_on) == "ja"
            now[topic] += _holds(given, None) == "ja"
    return Tally(len(first_voorgesprek), then, now)
