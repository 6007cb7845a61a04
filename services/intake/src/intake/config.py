"""Settings of the intake service (environment variables ``ONTOUR_*``)."""

from ontour.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "intake"
    http_port: int = 8101
