"""Who may do what in intake (deny by default; the access-matrix test walks this table)."""

from ontour.auth.access import AccessTable
from ontour.auth.principal import Role

C, T = Role.COORDINATOR, Role.TEAMLID

access = AccessTable(
    {
        "GET /intake/": {C, T},
        "GET /intake/api/v1/organisaties": {C, T},
        "GET /intake/api/v1/organisaties/{cbs_code}": {C, T},
        "GET /intake/api/v1/organisaties/{cbs_code}/contacten": {C, T},
        "POST /intake/api/v1/organisaties/{cbs_code}/contacten": {C},
        "DELETE /intake/api/v1/organisaties/{cbs_code}/contacten/{contact_id}": {C},
        "POST /intake/api/v1/voorgesprekken": {C, T},
        "GET /intake/api/v1/voorgesprekken/{voorgesprek_id}": {C, T},
        "GET /intake/api/v1/audit": {C},
    }
)
