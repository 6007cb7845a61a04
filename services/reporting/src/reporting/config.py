"""Settings of the reporting service (environment variables ``ONTOUR_*``)."""

from datetime import date, time

from ontour.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    service_name: str = "reporting"
    http_port: int = 8104
    tour_start: date = Field(default=date(2022, 7, 1), description="First day of the tour.")
    tour_end: date = Field(default=date(2027, 12, 31), description="Last day of the tour.")
    target_sessions: int = Field(
        default=150, ge=1, description="Target: sessions held by the end of the tour."
    )
    disclosure_threshold: int = Field(
        default=5, ge=3, le=20, description="Counts below this are published as '<N'."
    )
    releases_from: str = Field(
        default="2025-K1",
        pattern=r"^20\d{2}-K[1-4]$",
        description="The first quarter whose figures about people are released.",
    )
    release_settling_working_days: int = Field(
        default=10, ge=0, le=60, description="Working days after a quarter closes before release."
    )
    release_time: time = Field(
        default=time(6, 0), description="When the daily release job runs (Amsterdam time)."
    )
