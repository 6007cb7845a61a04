"""Who may do what in reporting (deny by default; the access-matrix test walks this table).

The ministry and coordinators read everything here; a teamlid the tour figures only; nobody
sees a person (every cell is published through the disclosure rule).
"""

from ontour.auth.access import AccessTable
from ontour.auth.principal import Role

C, T, M = Role.COORDINATOR, Role.TEAMLID, Role.MINISTERIE
API = "/reporting/api/v1"

access = AccessTable(
    {
        "GET /reporting/": {C, T, M},
        f"GET {API}/tour": {C, T, M},
        f"GET {API}/nazorg": {C, M},
        f"GET {API}/tabellen/{{naam}}": {C, T, M},
        f"GET {API}/kwartaalrapportage": {C, M},
        f"GET {API}/audit": {C},
    }
)
