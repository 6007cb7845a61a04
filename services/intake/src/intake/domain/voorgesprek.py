"""Voorgesprekken: their content, lifecycle, history and the events a change causes (pure).

The content is what a coordinator or teamlid fills in. Which events a change publishes is
decided here from the state before and after, so the API, the pages and the bulk import
all announce the same change the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from ontour.application.errors import Refused
from ontour.contracts.intake import (
    DeelnemerRol,
    Deelnemers,
    GespreksVorm,
    IncidentCategorie,
    OrganisationCode,
    Periode,
    SessieverzoekIngediend,
    SessieverzoekIngetrokken,
    SessieVorm,
    SessieWens,
    Thema,
    VoorgesprekGeannuleerd,
    VoorgesprekGehouden,
    VoorgesprekGepland,
    VoorgesprekStatus,
    Weekdag,
)
from ontour.contracts.types import LocalTime
from ontour.events import EventData
from ontour.formatting import format_datum
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

PRINTABLE_LINE = r"^[^\x00-\x1f\x7f]*$"
# A note may hold line breaks and tabs, nothing else of the control characters.
PRINTABLE_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
ShortText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=PRINTABLE_LINE),
]
TeamlidId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=PRINTABLE_LINE),
]
# Fields whose values never leave the service: history and the audit trail only say "changed".
CONFIDENTIAL_FIELDS = frozenset({"confidential_note"})
CONFIDENTIAL_MARK = "(vertrouwelijk)"
E = TypeVar("E", bound=StrEnum)


class DomainRuleBroken(Refused):
    """A business rule refused the input; ``field`` names the offending field."""

    field: str

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason, field)

    @property
    def reason(self) -> str:
        return self.detail


class TransitionRefused(Refused):
    """A lifecycle step that is not possible from the current status (Dutch reason)."""


class VoorgesprekContent(BaseModel):
    """Alles wat over een voorgesprek wordt vastgelegd (behalve vervolgacties)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organisation_code: OrganisationCode = Field(
        description="CBS-code van de organisatie (GMxxxx of PVxx)."
    )
    status: VoorgesprekStatus = Field(
        default=VoorgesprekStatus.GEHOUDEN,
        description="gepland, gehouden of geannuleerd.",
    )
    held_on: date = Field(description="Datum van het voorgesprek (bij gepland: de geplande datum).")
    start_time: LocalTime | None = Field(
        default=None, description="Begintijd (Nederlandse tijd), uu:mm."
    )
    mode: GespreksVorm = Field(description="Vorm: fysiek, online of telefonisch.")
    teamleden: list[TeamlidId] = Field(
        default_factory=list, max_length=10, description="De teamleden die het voorgesprek voerden."
    )
    participants: dict[DeelnemerRol, Annotated[int, Field(ge=0, le=1000)]] = Field(
        default_factory=dict, description="Aantal deelnemers per rol."
    )
    themes: list[Thema] = Field(default_factory=list, description="Besproken thema's.")
    incident_count: int | None = Field(
        default=None, ge=0, le=1000, description="Aantal bekende incidenten, zonder details."
    )
    incident_categories: list[IncidentCategorie] = Field(
        default_factory=list, description="Soorten bekende incidenten."
    )
    session_wish: SessieWens | None = Field(
        default=None, description="Wil de organisatie een sessie: ja, nee of later."
    )
    session_format: SessieVorm | None = Field(
        default=None, description="Gewenste vorm van de sessie."
    )
    preferred_periods: list[Periode] = Field(
        default_factory=list, max_length=12, description="Gewenste perioden voor de sessie."
    )
    preferred_weekdays: list[Weekdag] = Field(
        default_factory=list, description="Weekdagen (avonden) met voorkeur."
    )
    avoid_weekdays: list[Weekdag] = Field(
        default_factory=list, description="Vergaderavonden van raad of Staten: te vermijden."
    )
    expected_participants: int | None = Field(
        default=None, ge=0, le=10_000, description="Verwacht aantal deelnemers aan de sessie."
    )
    location: ShortText | None = Field(default=None, description="Locatie van de sessie.")
    attention_online_intimidation_women: bool = Field(
        default=False, description="Aandacht voor online intimidatie van vrouwen gewenst."
    )
    college_takes_part: bool = Field(
        default=False, description="Het college (burgemeester, wethouders) doet mee aan de sessie."
    )
    confidential_note: (
        Annotated[str, StringConstraints(max_length=4000, pattern=PRINTABLE_TEXT)] | None
    ) = Field(
        default=None,
        description="Vertrouwelijke notitie (versleuteld opgeslagen, nooit in een event).",
    )

    @property
    def asks_for_session(self) -> bool:
        return self.status is VoorgesprekStatus.GEHOUDEN and self.session_wish is SessieWens.JA


def check_content(content: VoorgesprekContent, today: date) -> None:
    """The rules beyond the fields' own types; raises ``DomainRuleBroken`` (Dutch)."""
    if content.status is VoorgesprekStatus.GEHOUDEN and content.held_on > today:
        raise DomainRuleBroken("held_on", "een gehouden voorgesprek kan niet in de toekomst liggen")
    for index, period in enumerate(content.preferred_periods):
        if period.end < period.start:
            raise DomainRuleBroken(
                f"preferred_periods.{index}.end", "de einddatum ligt voor de begindatum"
            )


# Which status a voorgesprek may move to from which (an edit keeps or advances it).
_NEXT: Mapping[VoorgesprekStatus, frozenset[VoorgesprekStatus]] = {
    VoorgesprekStatus.GEPLAND: frozenset(
        {VoorgesprekStatus.GEPLAND, VoorgesprekStatus.GEHOUDEN, VoorgesprekStatus.GEANNULEERD}
    ),
    VoorgesprekStatus.GEHOUDEN: frozenset({VoorgesprekStatus.GEHOUDEN}),
    VoorgesprekStatus.GEANNULEERD: frozenset(),
}


def check_transition(before: VoorgesprekStatus, after: VoorgesprekStatus) -> None:
    if after not in _NEXT[before]:
        if before is VoorgesprekStatus.GEANNULEERD:
            raise TransitionRefused("een geannuleerd voorgesprek kan niet meer worden gewijzigd")
        raise TransitionRefused(f"een {before.value} voorgesprek kan niet {after.value} worden")


def _comparable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_comparable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _comparable(v) for k, v in sorted(value.items())}
    if isinstance(value, date | time | datetime):
        return value.isoformat()
    return value


def changes(before: VoorgesprekContent | None, after: VoorgesprekContent) -> dict[str, list[Any]]:
    """Field → [old, new] for every field that changed (confidential values masked)."""
    old = before.model_dump() if before else {}
    result: dict[str, list[Any]] = {}
    for name, new_value in after.model_dump().items():
        was, now = _comparable(old.get(name)), _comparable(new_value)
        if was == now or (before is None and now in (None, [], {}, False)):
            continue
        if name in CONFIDENTIAL_FIELDS:
            result[name] = [CONFIDENTIAL_MARK if was else None, CONFIDENTIAL_MARK if now else None]
        else:
            result[name] = [was, now]
    return result


def _in_order(values: Iterable[E]) -> list[E]:
    """Each value once, in the order of its list (so the order typed in doesn't matter)."""
    unique = set(values)
    if not unique:
        return []
    members = list(type(next(iter(unique))))
    return sorted(unique, key=members.index)


def _held(
    voorgesprek_id: uuid.UUID, content: VoorgesprekContent, revision: int
) -> VoorgesprekGehouden:
    return VoorgesprekGehouden(
        voorgesprek_id=voorgesprek_id,
        organisation_code=content.organisation_code,
        held_on=content.held_on,
        mode=content.mode,
        revision=revision,
        teamleden_count=len(content.teamleden),
        participants=[
            Deelnemers(role=role, count=content.participants[role])
            for role in _in_order(content.participants)
            if content.participants[role]
        ],
        themes=_in_order(content.themes),
        incident_count=content.incident_count,
        incident_categories=_in_order(content.incident_categories),
        session_wish=content.session_wish,
    )


def _session_request(
    voorgesprek_id: uuid.UUID, content: VoorgesprekContent, revision: int
) -> SessieverzoekIngediend:
    return SessieverzoekIngediend(
        request_id=voorgesprek_id,
        voorgesprek_id=voorgesprek_id,
        organisation_code=content.organisation_code,
        revision=revision,
        requested_on=content.held_on,
        session_format=content.session_format,
        preferred_periods=list(content.preferred_periods),
        preferred_weekdays=_in_order(content.preferred_weekdays),
        avoid_weekdays=_in_order(content.avoid_weekdays),
        expected_participants=content.expected_participants,
        attention_online_intimidation_women=content.attention_online_intimidation_women,
        college_takes_part=content.college_takes_part,
    )


def events_for_change(
    voorgesprek_id: uuid.UUID,
    before: VoorgesprekContent | None,
    after: VoorgesprekContent,
    revision: int,
) -> list[EventData]:
    """The events a new or changed voorgesprek publishes (nothing when nothing public changed)."""
    events: list[EventData] = []
    if after.status is VoorgesprekStatus.GEANNULEERD:
        if before is None or before.status is not VoorgesprekStatus.GEANNULEERD:
            events.extend(events_for_cancellation(voorgesprek_id, after, revision))
    elif after.status is VoorgesprekStatus.GEPLAND:
        planned = VoorgesprekGepland(
            voorgesprek_id=voorgesprek_id,
            organisation_code=after.organisation_code,
            planned_on=after.held_on,
            mode=after.mode,
            revision=revision,
        )
        if before is None or (before.held_on, before.mode, before.organisation_code) != (
            after.held_on,
            after.mode,
            after.organisation_code,
        ):
            events.append(planned)
    else:
        held = _held(voorgesprek_id, after, revision)
        if (
            before is None
            or before.status is not VoorgesprekStatus.GEHOUDEN
            or _held(voorgesprek_id, before, revision) != held
        ):
            events.append(held)
    if after.asks_for_session:
        request = _session_request(voorgesprek_id, after, revision)
        if (
            before is None
            or not before.asks_for_session
            or _session_request(voorgesprek_id, before, revision) != request
        ):
            events.append(request)
    elif before is not None and before.asks_for_session:
        events.append(
            SessieverzoekIngetrokken(
                request_id=voorgesprek_id,
                organisation_code=before.organisation_code,
                revision=revision,
            )
        )
    return events


def events_for_cancellation(
    voorgesprek_id: uuid.UUID, content: VoorgesprekContent, revision: int
) -> list[EventData]:
    return [
        VoorgesprekGeannuleerd(
            voorgesprek_id=voorgesprek_id,
            organisation_code=content.organisation_code,
            revision=revision,
        )
    ]


def timeline_summary(content: VoorgesprekContent, action: str) -> str:
    """The timeline's line for a voorgesprek stored with ``action`` (Dutch)."""
    on = format_datum(content.held_on)
    if action == "geannuleerd":
        return f"Voorgesprek van {on} geannuleerd"
    if action == "gewijzigd":
        return f"Voorgesprek van {on} gewijzigd"
    if content.status is VoorgesprekStatus.GEPLAND:
        return f"Voorgesprek gepland op {on} ({content.mode.value})"
    wish = (
        {
            SessieWens.JA: ", sessie gewenst",
            SessieWens.NEE: ", geen sessie gewenst",
            SessieWens.LATER: ", sessie misschien later",
        }.get(content.session_wish)
        if content.session_wish
        else ""
    )
    return f"Voorgesprek gehouden op {on} ({content.mode.value}){wish}"
