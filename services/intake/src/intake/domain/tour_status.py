"""Where an organisation stands in the tour, derived from its voorgesprekken (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ontour.contracts.intake import SessieWens, TourStatus, VoorgesprekStatus

__all__ = [
    "FollowedSession",
    "TourStatus",
    "VoorgesprekState",
    "derive_tour_status",
    "follow_sessions",
]

# Reached through the sessions themselves (set by a coordinator or, later, by scheduling's
# events): a voorgesprek never moves an organisation back from there.
_SESSION_STAGES = frozenset({TourStatus.SESSIE_GEPLAND, TourStatus.SESSIE_GEHOUDEN})


@dataclass(frozen=True, slots=True)
class VoorgesprekState:
    """What of a voorgesprek decides its organisation's tour status."""

    status: VoorgesprekStatus
    held_on: date
    session_wish: SessieWens | None


def _status_of(voorgesprek: VoorgesprekState) -> TourStatus:
    if voorgesprek.status is VoorgesprekStatus.GEPLAND:
        return TourStatus.VOORGESPREK_GEPLAND
    if voorgesprek.session_wish is SessieWens.JA:
        return TourStatus.SESSIE_GEWENST
    if voorgesprek.session_wish is SessieWens.NEE:
        return TourStatus.GEEN_INTERESSE
    return TourStatus.VOORGESPREK_GEHOUDEN


def derive_tour_status(
    current: TourStatus, voorgesprekken: Iterable[VoorgesprekState]
) -> TourStatus:
    """The tour status after a change to the organisation's voorgesprekken.

    The latest voorgesprek that was not cancelled decides (a planned one after a held one
    means a new round has started). A status reached through sessions stays; a "geen
    interesse" set by hand stays until a voorgesprek says otherwise.
    """
    if current in _SESSION_STAGES:
        return current
    alive = [v for v in voorgesprekken if v.status is not VoorgesprekStatus.GEANNULEERD]
    if not alive:
        return current if current is TourStatus.GEEN_INTERESSE else TourStatus.NIET_BENADERD
    latest = max(alive, key=lambda v: (v.held_on, v.status is VoorgesprekStatus.GEPLAND))
    return _status_of(latest)


# --- from scheduling's sessions -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FollowedSession:
    """What intake keeps of one session in scheduling: its latest status ("gepland",
    "gehouden" or "geannuleerd", by the session's highest revision) and whether it was ever
    planned (a cancellation may arrive before the planning it cancels)."""

    status: str
    planned: bool


_BEFORE_SESSION = frozenset(TourStatus) - {TourStatus.SESSIE_GEHOUDEN}


def follow_sessions(
    current: TourStatus, sessions: Iterable[FollowedSession], *, cancelled_now: bool
) -> TourStatus:
    """The tour status after a session event, from the organisation's sessions as known now.

    Decided by the sessions, not by the event, so the same events in any order end in the
    same status: one held makes "sessie gehouden" (which stays); one planned and not
    cancelled "sessie gepland"; otherwise one planned and then cancelled "sessie gewenst",
    from "sessie gepland" when the cancellation is the event at hand, and, when a planning
    arrives after its own cancellation, from wherever the planning would have moved it.
    """
    known = list(sessions)
    if any(s.status == "gehouden" for s in known):
        to, only_from = TourStatus.SESSIE_GEHOUDEN, _BEFORE_SESSION
    elif any(s.status == "gepland" for s in known):
        to, only_from = TourStatus.SESSIE_GEPLAND, _BEFORE_SESSION
    elif any(s.status == "geannuleerd" and s.planned for s in known):
        to = TourStatus.SESSIE_GEWENST
        only_from = frozenset({TourStatus.SESSIE_GEPLAND}) if cancelled_now else _BEFORE_SESSION
    else:
        return current
    return to if current in only_from else current
