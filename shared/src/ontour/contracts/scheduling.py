"""Events published by the scheduling service: a session's way from proposal to outcome.

Only ids, codes, dates, categories and numbers: which teamleden go is not on the bus (their
agendas are served by scheduling itself), nor are remarks from an evaluation.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from pydantic import ConfigDict, Field

from ontour.contracts.intake import OrganisationCode, SessieVorm
from ontour.contracts.types import LocalTime
from ontour.events import EventData, contract

SESSION_EXAMPLE_ID = "0b9b3c1e-5a55-4f0e-8f7e-3d2f1c9a7b10"
REQUEST_EXAMPLE_ID = "6f1c3e0a-8d2b-4c1e-9f3a-2b7d5e8c1a40"


class VervolgWens(StrEnum):
    """What the organisation wants after a session (categories, no free text)."""

    NAZORG = "nazorg"
    TERUGKOMSESSIE = "terugkomsessie"
    BEVEILIGINGSADVIES = "beveiligingsadvies"
    MATERIAAL = "materiaal"
    ANDERS = "anders"


class _SessionEvent(EventData):
    session_id: uuid.UUID = Field(description="Id of the session in scheduling.")
    request_id: uuid.UUID = Field(description="Id of the session request it answers.")
    organisation_code: OrganisationCode = Field(
        description="CBS code of the organisation (GMxxxx or PVxx)."
    )
    revision: int = Field(ge=1, description="Version of the session; a consumer keeps the highest.")

    def subject_id(self) -> str:
        return str(self.session_id)


_BASE_EXAMPLE = {
    "session_id": SESSION_EXAMPLE_ID,
    "request_id": REQUEST_EXAMPLE_ID,
    "organisation_code": "GM0344",
}


@contract(service="scheduling", aggregate="sessie", name="voorgesteld", version=1)
class SessieVoorgesteld(_SessionEvent):
    """A session was proposed (from a planner run or by hand); not yet confirmed."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{**_BASE_EXAMPLE, "revision": 1, "on": "2025-10-06", "team_size": 2}]
        }
    )

    on: date = Field(description="Proposed evening.")
    team_size: int = Field(ge=1, description="Number of teamleden proposed.")


@contract(service="scheduling", aggregate="sessie", name="gepland", version=1)
class SessieGepland(_SessionEvent):
    """A session was confirmed: it will take place on this evening."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_BASE_EXAMPLE,
                    "revision": 2,
                    "on": "2025-10-06",
                    "starts_at": "19:30",
                    "ends_at": "21:30",
                    "session_format": "plenaire raad",
                    "team_size": 2,
                }
            ]
        }
    )

    on: date = Field(description="Evening of the session.")
    starts_at: LocalTime = Field(description="Start time (Europe/Amsterdam).")
    ends_at: LocalTime = Field(description="End time (Europe/Amsterdam).")
    session_format: SessieVorm | None = Field(default=None, description="Format of the session.")
    team_size: int = Field(ge=1, description="Number of teamleden who go.")


@contract(service="scheduling", aggregate="sessie", name="verplaatst", version=1)
class SessieVerplaatst(_SessionEvent):
    """A confirmed session moved to another evening (or time)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_BASE_EXAMPLE,
                    "revision": 3,
                    "previous_on": "2025-10-06",
                    "on": "2025-10-13",
                    "starts_at": "19:30",
                    "ends_at": "21:30",
                }
            ]
        }
    )

    previous_on: date = Field(description="The evening it was planned on before.")
    on: date = Field(description="The new evening.")
    starts_at: LocalTime = Field(description="Start time (Europe/Amsterdam).")
    ends_at: LocalTime = Field(description="End time (Europe/Amsterdam).")


@contract(service="scheduling", aggregate="sessie", name="geannuleerd", version=1)
class SessieGeannuleerd(_SessionEvent):
    """A proposed or confirmed session was cancelled; its request is open again."""

    model_config = ConfigDict(json_schema_extra={"examples": [{**_BASE_EXAMPLE, "revision": 4}]})


@contract(service="scheduling", aggregate="sessie", name="gehouden", version=1)
class SessieGehouden(_SessionEvent):
    """A session took place; its outcome as numbers and categories."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_BASE_EXAMPLE,
                    "revision": 3,
                    "held_on": "2025-10-06",
                    "participants": 28,
                    "evaluation_score": 8,
                    "follow_up_wishes": ["nazorg"],
                    "team_size": 2,
                }
            ]
        }
    )

    held_on: date = Field(description="Date it was held.")
    participants: int = Field(ge=0, description="Number of participants.")
    evaluation_score: int | None = Field(
        default=None, ge=1, le=10, description="Evaluation score 1-10 given by the organisation."
    )
    follow_up_wishes: list[VervolgWens] = Field(
        default_factory=list, description="What the organisation wants next."
    )
    team_size: int = Field(ge=1, description="Number of teamleden who held it.")
