"""Who may do what in aftercare (deny by default; the access-matrix test walks this table)."""

from ontour.auth.access import PUBLIC, AccessTable
from ontour.auth.principal import Role

access = AccessTable(
    {
        # Office holders ask for aftercare without an account.
        "GET /aftercare/": PUBLIC,
        "GET /aftercare/api/v1/audit": {Role.COORDINATOR},
    }
)
