"""Settings of the scheduling service (environment variables ``ONTOUR_*``)."""

from ontour.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "scheduling"
    http_port: int = 8102
