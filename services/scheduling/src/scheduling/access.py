"""Who may do what in scheduling (deny by default; the access-matrix test walks this table)."""

from ontour.auth.access import AccessTable
from ontour.auth.principal import Role

C, T = Role.COORDINATOR, Role.TEAMLID

access = AccessTable(
    {
        "GET /scheduling/": {C, T},
        "GET /scheduling/api/v1/audit": {C},
    }
)
