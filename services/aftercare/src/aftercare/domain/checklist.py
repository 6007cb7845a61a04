"""What the peer can offer at each stage of a case: a short checklist on the case page.

The default texts live here and nowhere else; the coordinator may replace a stage's list
(stored with who and when, :mod:`aftercare.usecases.checklists`), and emptying it brings the
default back. The stages are the case's statuses while it is handled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from ontour.application.errors import Refused

from aftercare.domain.vocabulary import CaseStatus

MAX_ITEMS = 12
MAX_ITEM_LENGTH = 300

STAGES = (
    CaseStatus.AANGEVRAAGD,
    CaseStatus.GEMATCHT,
    CaseStatus.CONTACT_GELEGD,
    CaseStatus.LOPEND,
    CaseStatus.AFGESLOTEN,
)

DEFAULTS: Mapping[CaseStatus, tuple[str, ...]] = MappingProxyType(
    {
        CaseStatus.AANGEVRAAGD: (
            "Lees wat er gebeurde en of de aanvrager nu in gevaar is: bij acute dreiging 112.",
            "Kijk of de aanvrager al een melding of aangifte deed.",
        ),
        CaseStatus.GEMATCHT: (
            "Neem binnen de termijn contact op, op de manier die de aanvrager koos.",
            "Stel u voor als ervaren collega: u luistert, u oordeelt niet.",
        ),
        CaseStatus.CONTACT_GELEGD: (
            "Vraag of de aanvrager het voorval heeft gemeld bij de griffie of de werkgever; "
            "melden helpt, ook als het klein lijkt.",
            "Bespreek aangifte bij de politie, en bied aan daarbij te helpen of mee te gaan.",
            "Wijs op beveiligingsadvies onder de Regeling beveiligingsmaatregelen decentrale "
            "bestuurders, en op een woningscan bij intimidatie thuis.",
        ),
        CaseStatus.LOPEND: (
            "Vraag hoe het staat met de vervolgstappen en leg vast wat er gebeurde.",
            "Heeft de aanvrager van een stap afgezien? Vraag waarom, zonder aan te dringen.",
            "Verwijs door naar psychologische hulp of juridisch advies waar dat past.",
        ),
        CaseStatus.AFGESLOTEN: (
            "Leg de doorverwijzingen vast, zodat ze als vervolgstap te volgen zijn.",
            "Laat weten dat de aanvrager altijd opnieuw kan aankloppen.",
        ),
    }
)


def checklist(stage: CaseStatus, overrides: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The checklist of ``stage``: the coordinator's own, else the default (none for a
    withdrawn case)."""
    own = overrides.get(stage.value)
    return tuple(own) if own else DEFAULTS.get(stage, ())


def items_of(text: str) -> tuple[str, ...]:
    """A checklist typed one item per line (empty lines skipped); :class:`Refused` naming
    the field when it is too long."""
    items = tuple(line.strip() for line in text.splitlines() if line.strip())
    if len(items) > MAX_ITEMS:
        raise Refused(f"hoogstens {MAX_ITEMS} punten", "items")
    if any(len(item) > MAX_ITEM_LENGTH for item in items):
        raise Refused(f"een punt is hoogstens {MAX_ITEM_LENGTH} tekens", "items")
    return items
