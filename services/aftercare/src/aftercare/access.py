"""Who may do what in aftercare (deny by default; the access-matrix test walks this table)."""

from ontour.auth.access import AccessTable
from ontour.auth.principal import Role

access = AccessTable(
    {
        "GET /aftercare/api/v1/audit": {Role.COORDINATOR},
    }
)
