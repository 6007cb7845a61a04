"""Who may do what in reporting (deny by default; the access-matrix test walks this table)."""

from ontour.auth.access import AccessTable
from ontour.auth.principal import Role

C, T, M = Role.COORDINATOR, Role.TEAMLID, Role.MINISTERIE

access = AccessTable(
    {
        "GET /reporting/": {C, T, M},
        "GET /reporting/api/v1/statistieken/voorgesprekken": {C, T, M},
        "GET /reporting/api/v1/audit": {C},
    }
)
