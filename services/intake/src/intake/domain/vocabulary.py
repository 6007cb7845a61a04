"""The spellings people write the closed lists of a voorgesprek in (pure).

The lists themselves are ``StrEnum``s in the event contracts (their values are the Dutch words
the UI shows), since the events carry them. ``parse_choice`` reads
a cell tolerantly: case, accents, punctuation and a few common synonyms don't matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cache, lru_cache
from typing import TypeVar

from ontour.contracts.intake import (
    DeelnemerRol,
    GespreksVorm,
    IncidentCategorie,
    SessieVorm,
    SessieWens,
    Thema,
    VoorgesprekStatus,
    Weekdag,
)

from intake.domain.text import match_key

__all__ = [
    "DeelnemerRol",
    "GespreksVorm",
    "IncidentCategorie",
    "SessieVorm",
    "SessieWens",
    "Thema",
    "VoorgesprekStatus",
    "Weekdag",
    "allowed_values",
    "choice_key",
    "parse_choice",
]


# Little words people add or leave out: "agressie & intimidatie", "melden/aangifte".
_FILLER = frozenset({"en", "of", "de", "het"})


@lru_cache(maxsize=4096)
def choice_key(text: str) -> str:
    """Matching key for a list value: ``match_key`` without filler words."""
    return " ".join(word for word in match_key(text).split() if word not in _FILLER)


# Synonyms beyond the values themselves; keys are written as people type them.
SYNONYMS: Mapping[type[StrEnum], Mapping[str, str]] = {
    GespreksVorm: {
        "op locatie": "fysiek",
        "ter plaatse": "fysiek",
        "live": "fysiek",
        "persoonlijk": "fysiek",
        "face to face": "fysiek",
        "f2f": "fysiek",
        "bezoek": "fysiek",
        "teams": "online",
        "ms teams": "online",
        "microsoft teams": "online",
        "zoom": "online",
        "webex": "online",
        "google meet": "online",
        "video": "online",
        "videobellen": "online",
        "videogesprek": "online",
        "digitaal": "online",
        "tel.": "telefonisch",
        "tel": "telefonisch",
        "telefoon": "telefonisch",
        "telefonisch gesprek": "telefonisch",
        "gebeld": "telefonisch",
        "bellen": "telefonisch",
    },
    VoorgesprekStatus: {
        "geweest": "gehouden",
        "gedaan": "gehouden",
        "afgerond": "gehouden",
        "ingepland": "gepland",
        "afgezegd": "geannuleerd",
        "vervallen": "geannuleerd",
        "geannuleerd": "geannuleerd",
    },
    Thema: {
        "agressie intimidatie": "agressie en intimidatie",
        "online agressie": "online intimidatie",
        "bedreigingen thuis": "bedreiging thuis",
        "melden": "melden en aangifte",
        "aangifte": "melden en aangifte",
        "veiligheid in de raad": "veiligheid in raad of Staten",
        "veiligheid in raad": "veiligheid in raad of Staten",
        "veiligheid in staten": "veiligheid in raad of Staten",
        "overig": "anders",
        "overige": "anders",
    },
    SessieWens: {
        "j": "ja",
        "yes": "ja",
        "gewenst": "ja",
        "ja graag": "ja",
        "n": "nee",
        "no": "nee",
        "geen": "nee",
        "niet gewenst": "nee",
        "geen interesse": "nee",
        "nog niet": "later",
        "misschien": "later",
        "misschien later": "later",
        "in beraad": "later",
    },
    SessieVorm: {
        "plenair": "plenaire raad",
        "raad": "plenaire raad",
        "gemeenteraad": "plenaire raad",
        "fractievoorzittersoverleg": "fractievoorzitters",
        "informatieavond": "informatiebijeenkomst",
        "raadsinformatiebijeenkomst": "informatiebijeenkomst",
        "rib": "informatiebijeenkomst",
        "provinciale staten": "Staten",
        "statenleden": "Staten",
    },
    Weekdag: {
        "ma": "maandag",
        "di": "dinsdag",
        "wo": "woensdag",
        "do": "donderdag",
        "vr": "vrijdag",
        "za": "zaterdag",
        "zo": "zondag",
    },
}

E = TypeVar("E", bound=StrEnum)


@cache
def _table(enum: type[StrEnum]) -> dict[str, str]:
    table = {choice_key(member.value): member.value for member in enum}
    for spelling, value in SYNONYMS.get(enum, {}).items():
        table.setdefault(choice_key(spelling), value)
    return table


def parse_choice(enum: type[E], text: str) -> E | None:
    """The member ``text`` means, or None when it means none of them."""
    value = _table(enum).get(choice_key(text))
    if value is None and enum is Weekdag:
        # "maandagavond", "di-avond", "dinsdagen"
        key = choice_key(text).replace(" ", "")
        for suffix in ("avonden", "avond", "en"):
            key = key.removesuffix(suffix)
        value = _table(enum).get(key)
    return enum(value) if value is not None else None


def allowed_values(enum: type[StrEnum]) -> str:
    """The values as a Dutch list for an error message: "ja, nee of later"."""
    values = [member.value for member in enum]
    return ", ".join(values[:-1]) + " of " + values[-1] if len(values) > 1 else values[0]
