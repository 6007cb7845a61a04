"""Settings of the reporting service (environment variables ``ONTOUR_*``)."""

from ontour.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "reporting"
    http_port: int = 8104
