"""Settings of the aftercare service (environment variables ``ONTOUR_*``)."""

from ontour.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "aftercare"
    http_port: int = 8103
