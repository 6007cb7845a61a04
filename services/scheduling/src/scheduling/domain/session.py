"""A session's lifecycle (pure): which step is allowed from which status.

voorgesteld → bevestigd → gehouden, and geannuleerd from either of the first two. Moving a
confirmed session to another evening keeps it *bevestigd* (and is announced as
"verplaatst"); a proposed one may be changed freely within the hard rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from ontour.application.errors import Refused


class SessionStatus(StrEnum):
    VOORGESTELD = "voorgesteld"
    BEVESTIGD = "bevestigd"
    GEHOUDEN = "gehouden"
    GEANNULEERD = "geannuleerd"


class StepRefused(Refused):
    """A step not possible from the current status (Dutch reason; 409 "Dit kan niet: …")."""


class Step(StrEnum):
    CONFIRM = "bevestigen"
    CHANGE = "wijzigen"
    CANCEL = "annuleren"
    RECORD_OUTCOME = "uitkomst vastleggen"


ALLOWED: Mapping[Step, frozenset[SessionStatus]] = {
    Step.CONFIRM: frozenset({SessionStatus.VOORGESTELD}),
    Step.CHANGE: frozenset({SessionStatus.VOORGESTELD, SessionStatus.BEVESTIGD}),
    Step.CANCEL: frozenset({SessionStatus.VOORGESTELD, SessionStatus.BEVESTIGD}),
    Step.RECORD_OUTCOME: frozenset({SessionStatus.BEVESTIGD}),
}


def check_step(status: SessionStatus, step: Step) -> None:
    if status not in ALLOWED[step]:
        raise StepRefused(f"een sessie met status '{status.value}' kan niet {step.value}")
