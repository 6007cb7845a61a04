"""Who may do what in scheduling (deny by default; the access-matrix test walks this table)."""

from ontour.auth.access import AccessTable
from ontour.auth.principal import Role

access = AccessTable(
    {
        "GET /scheduling/api/v1/audit": {Role.COORDINATOR},
    }
)
