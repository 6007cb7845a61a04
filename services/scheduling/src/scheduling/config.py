"""Settings of the scheduling service (environment variables ``ONTOUR_*``)."""

from datetime import date, time

from ontour.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    service_name: str = "scheduling"
    http_port: int = 8102
    tour_end: date = Field(
        default=date(2027, 12, 31),
        description="Last evening the tour plans sessions on (ONTOUR_TOUR_END); an extension "
        "of the tour is a change of this setting, not of code.",
    )
    team_size: int = Field(default=2, ge=1, le=6, description="Teamleden per session.")
    session_starts_at: time = Field(default=time(19, 30), description="Default start time.")
    session_ends_at: time = Field(default=time(21, 30), description="Default end time.")
    planner_time_limit_seconds: float = Field(
        default=30.0, gt=0, le=600, description="Default time limit of a planner run."
    )
    planner_workers: int = Field(default=2, ge=1, le=16, description="CP-SAT worker threads.")
    weight_travel: int = Field(default=1, ge=0, description="Soft weight per km of travel.")
    weight_fairness: int = Field(default=6, ge=0, description="Soft weight of an even spread.")
    weight_waiting: int = Field(default=1, ge=0, description="Soft weight of waiting longest.")
    weight_pair: int = Field(default=150, ge=0, description="Soft weight of a useful pair.")
    weight_stability: int = Field(default=1000, ge=0, description="Soft weight of few changes.")
