"""The verklaring for a melding or aangifte: what the police ask of someone who was threatened,
prepared by the requester (and, with their consent, their peer) from what they told us.

Pure rules: what a statement holds, what it starts from (the case), the limits of each field,
what the police need before it is worth printing, and how it reads: the same sections for
the PDF and for the plain text to paste into the police's online form, so both hold exactly
what was entered and nothing else. Nothing here is ever sent anywhere: the requester takes it
to the police themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from typing import Any

from ontour.formatting import format_datum

from aftercare.domain.vocabulary import IncidentCategory


class Domicile(StrEnum):
    """Which address the requester gives the police (the domiciliekeuze)."""

    ORGANISATIE = "organisatie"
    EIGEN_ADRES = "eigen adres"


DOMICILE_EXPLAINED = (
    "Als ambtsdrager mag u bij een melding of aangifte het adres van uw organisatie opgeven "
    "(het gemeentehuis of het provinciehuis) in plaats van uw woonadres. Dat heet "
    "domiciliekeuze. Uw woonadres komt dan niet in de stukken die de verdachte of diens "
    "advocaat later kan lezen, en post van politie en justitie gaat naar uw organisatie. Zeg "
    "bij de politie dat u domicilie kiest op het adres van uw organisatie. Wij vragen en "
    "bewaren uw woonadres niet: kiest u voor uw eigen adres, vul dat dan zelf in bij de politie."
)
NOTHING_SENT = (
    "Dit is een concept voor uzelf. On Tour stuurt niets naar de politie of naar iemand anders: "
    "u neemt het mee naar het politiebureau of plakt de tekst in het formulier op politie.nl."
)
MAX_SCREENSHOTS = 20
# The most characters each field may hold; a screenshot's description counts per screenshot.
LIMITS: Mapping[str, int] = {
    "place": 300,
    "what_happened": 10_000,
    "platform": 200,
    "account_names": 2_000,
    "links": 4_000,
    "screenshots": 300,
    "witnesses": 2_000,
    "earlier_reports": 2_000,
    "organisation_address": 300,
}
LABELS: Mapping[str, str] = {
    "incident_categories": "Soort voorval",
    "happened_on": "Datum",
    "happened_at": "Tijdstip (ongeveer)",
    "place": "Plaats",
    "what_happened": "Wat er is gezegd of gedaan",
    "platform": "Platform of website",
    "account_names": "Accountnamen van de afzender(s)",
    "links": "Links naar de berichten",
    "screenshots": "Schermafbeeldingen",
    "witnesses": "Getuigen",
    "still_ongoing": "Gaat het nog door?",
    "earlier_reports": "Eerdere meldingen of aangiftes en hun nummers",
    "domicile": "Adres voor de politie",
    "organisation_address": "Adres van uw organisatie",
}
# What the police cannot do without: when, where and what.
REQUIRED_FOR_PDF = ("happened_on", "place", "what_happened")


@dataclass(frozen=True, slots=True)
class Screenshot:
    """A screenshot the requester keeps (the picture stays with them): what it shows, when."""

    description: str
    taken_on: date | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    incident_categories: tuple[IncidentCategory, ...] = ()
    happened_on: date | None = None
    happened_at: time | None = None
    place: str = ""
    what_happened: str = ""
    platform: str = ""
    account_names: str = ""
    links: str = ""
    screenshots: tuple[Screenshot, ...] = ()
    witnesses: str = ""
    still_ongoing: bool | None = None
    earlier_reports: str = ""
    domicile: Domicile = Domicile.ORGANISATIE
    organisation_address: str = ""


def prefilled(
    *,
    story: str | None,
    happened_on: date | None,
    still_ongoing: bool | None,
    incident_categories: Iterable[str],
) -> Statement:
    """A new statement from what the requester already told us: their own words, the date,
    whether it goes on and what kind of incident it was. The domicile starts at the
    organisation's address, which protects the home address."""
    return Statement(
        incident_categories=tuple(IncidentCategory(c) for c in incident_categories),
        happened_on=happened_on,
        still_ongoing=still_ongoing,
        what_happened=story or "",
    )


def violations(statement: Statement, today: date) -> dict[str, str]:
    """``{field: Dutch reason}`` for every field over its limit or out of bounds."""
    found: dict[str, str] = {}
    for name, limit in LIMITS.items():
        if name == "screenshots":
            continue
        if len(getattr(statement, name)) > limit:
            found[name] = f"{LABELS[name]}: maximaal {limit} tekens"
    if len(statement.screenshots) > MAX_SCREENSHOTS:
        found["screenshots"] = f"{LABELS['screenshots']}: maximaal {MAX_SCREENSHOTS}"
    elif any(len(s.description) > LIMITS["screenshots"] for s in statement.screenshots):
        limit = LIMITS["screenshots"]
        found["screenshots"] = f"{LABELS['screenshots']}: maximaal {limit} tekens per beschrijving"
    elif any(s.taken_on and s.taken_on > today for s in statement.screenshots):
        found["screenshots"] = f"{LABELS['screenshots']}: een datum ligt in de toekomst"
    if statement.happened_on and statement.happened_on > today:
        found["happened_on"] = f"{LABELS['happened_on']} ligt in de toekomst"
    return found


def missing_for_pdf(statement: Statement) -> tuple[str, ...]:
    """The fields the police need that are still empty (the organisation's address too, when
    that is the chosen domicile)."""
    missing = [name for name in REQUIRED_FOR_PDF if not getattr(statement, name)]
    if statement.domicile == Domicile.ORGANISATIE and not statement.organisation_address:
        missing.append("organisation_address")
    return tuple(missing)


def yes_no(value: bool | None) -> str:
    """ "ja", "nee", or empty when unknown."""
    return "" if value is None else ("ja" if value else "nee")


def _screenshot(shot: Screenshot) -> str:
    if shot.taken_on is None:
        return shot.description
    return f"{shot.description} ({format_datum(shot.taken_on)})"


def _domicile(statement: Statement) -> str:
    if statement.domicile == Domicile.EIGEN_ADRES:
        return "mijn eigen adres (dat geef ik zelf op bij de politie)"
    chosen = "domiciliekeuze op het adres van mijn organisatie"
    address = statement.organisation_address
    return f"{chosen}: {address}" if address else chosen


Section = tuple[str, tuple[tuple[str, str], ...]]


def sections(statement: Statement) -> tuple[Section, ...]:
    """The statement as the police read it: headings with (label, entry) pairs, only the
    entries that were filled in, in the order of the police's form."""
    when = [
        ("happened_on", format_datum(statement.happened_on) if statement.happened_on else ""),
        ("happened_at", statement.happened_at.strftime("%H:%M") if statement.happened_at else ""),
        ("place", statement.place),
    ]
    what = [
        ("incident_categories", ", ".join(statement.incident_categories)),
        ("what_happened", statement.what_happened),
    ]
    online = [
        ("platform", statement.platform),
        ("account_names", statement.account_names),
        ("links", statement.links),
        ("screenshots", "\n".join(f"- {_screenshot(s)}" for s in statement.screenshots)),
    ]
    further = [
        ("witnesses", statement.witnesses),
        ("still_ongoing", yes_no(statement.still_ongoing)),
        ("earlier_reports", statement.earlier_reports),
    ]
    address = [("domicile", _domicile(statement))]
    found = (
        ("Wanneer en waar", when),
        ("Wat er gebeurde", what),
        ("Online", online),
        ("Verder", further),
        ("Adres", address),
    )
    return tuple(
        (heading, entries)
        for heading, pairs in found
        if (entries := tuple((LABELS[name], value) for name, value in pairs if value))
    )


def plain_text(statement: Statement) -> str:
    """The statement as plain text to paste into the police's online form."""
    blocks = []
    for heading, entries in sections(statement):
        lines = [heading.upper()]
        for label, value in entries:
            on_lines = "\n" in value or value.startswith("- ")
            lines.append(f"{label}:\n{value}" if on_lines else f"{label}: {value}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


# --- stored as one sealed document ------------------------------------------------------------


def as_record(statement: Statement) -> dict[str, Any]:
    """The statement as JSON-ready values (sealed as one field under the case's key)."""
    return {
        "incident_categories": list(statement.incident_categories),
        "happened_on": statement.happened_on.isoformat() if statement.happened_on else None,
        "happened_at": statement.happened_at.isoformat("minutes") if statement.happened_at
        else None,
        "place": statement.place,
        "what_happened": statement.what_happened,
        "platform": statement.platform,
        "account_names": statement.account_names,
        "links": statement.links,
        "screenshots": [
            {"description": s.description,
             "taken_on": s.taken_on.isoformat() if s.taken_on else None}
            for s in statement.screenshots
        ],
        "witnesses": statement.witnesses,
        "still_ongoing": statement.still_ongoing,
        "earlier_reports": statement.earlier_reports,
        "domicile": statement.domicile.value,
        "organisation_address": statement.organisation_address,
    }  # fmt: skip


def from_record(record: Mapping[str, Any]) -> Statement:
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    at = record.get("happened_at")
    return Statement(
        incident_categories=tuple(IncidentCategory(c) for c in record["incident_categories"]),
        happened_on=day(record.get("happened_on")),
        happened_at=time.fromisoformat(at) if at else None,
        screenshots=tuple(
            Screenshot(s["description"], day(s.get("taken_on"))) for s in record["screenshots"]
        ),
        still_ongoing=record.get("still_ongoing"),
        domicile=Domicile(record["domicile"]),
        **{name: record.get(name, "") for name in (
            "place", "what_happened", "platform", "account_names", "links", "witnesses",
            "earlier_reports", "organisation_address",
        )},
    )  # fmt: skip
