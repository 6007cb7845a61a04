"""Settings of the aftercare service (environment variables ``ONTOUR_*``)."""

from ontour.settings import ServiceSettings
from pydantic import Field


class Settings(ServiceSettings):
    service_name: str = "aftercare"
    http_port: int = 8103
    first_contact_working_days: int = Field(
        default=2, ge=1, le=20, description="Service level: first contact within N working days."
    )
    retention_months: int = Field(
        default=12, ge=1, le=120, description="Personal data is destroyed N months after closure."
    )
    requests_per_client_per_hour: int = Field(
        default=10, ge=1, le=1000, description="Public form: requests per client per hour."
    )
    step_reminder_working_days: int = Field(
        default=10,
        ge=1,
        le=60,
        description="A follow-up step that stands still this many working days reminds the peer.",
    )
