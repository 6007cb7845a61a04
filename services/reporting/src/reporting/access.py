"""Who may do what in reporting (deny by default; the access-matrix test walks this table).

The ministry and coordinators read everything here; a teamlid the tour figures only; nobody
sees a person (figures about people exist only as protected releases). Only a coordinator
may release what is due before the daily job does; coordinator and beheerder see the release
decisions and refusals (the beheer page links there).
"""

from ontour.auth.access import AccessTable
from ontour.auth.principal import Role

C, T, M, B = Role.COORDINATOR, Role.TEAMLID, Role.MINISTERIE, Role.BEHEERDER
API = "/reporting/api/v1"

access = AccessTable(
    {
        "GET /reporting/": {C, T, M},
        f"GET {API}/tour": {C, T, M},
        f"GET {API}/nazorg": {C, M},
        f"GET {API}/nazorg/vrijgaven": {C, M},
        f"GET {API}/nazorg/vrijgaven/{{vrijgave}}": {C, M},
        f"GET {API}/nazorg/jaren/{{jaar}}": {C, M},
        f"POST {API}/nazorg/vrijgaven": {C},
        "GET /reporting/vrijgaven": {C, B},
        f"GET {API}/tabellen/{{naam}}": {C, T, M},
        f"GET {API}/kwartaalrapportage": {C, M},
        f"GET {API}/audit": {C},
    }
)
