"""Who may do what in intake (deny by default; the access-matrix test walks this table).

coordinator: everything. teamlid: reads everything, records voorgesprekken and changes the
ones they held, manages their own follow-ups (checked per object in the endpoints).
ministerie: nothing here (they use reporting).
"""

from ontour.auth.access import AccessTable
from ontour.auth.principal import Role

C, T = Role.COORDINATOR, Role.TEAMLID
API = "/intake/api/v1"

access = AccessTable(
    {
        f"GET {API}/organisaties": {C, T},
        f"GET {API}/organisaties/{{cbs_code}}": {C, T},
        f"PATCH {API}/organisaties/{{cbs_code}}": {C},
        f"PUT {API}/organisaties/{{cbs_code}}/publicatie": {C},
        f"GET {API}/organisaties/{{cbs_code}}/protocol": {C, T},
        f"PUT {API}/organisaties/{{cbs_code}}/protocol": {C},
        f"GET {API}/organisaties/{{cbs_code}}/tijdlijn": {C, T},
        f"GET {API}/organisaties/{{cbs_code}}/notities": {C, T},
        f"POST {API}/organisaties/{{cbs_code}}/notities": {C},
        f"GET {API}/organisaties/{{cbs_code}}/contacten": {C, T},
        f"POST {API}/organisaties/{{cbs_code}}/contacten": {C},
        f"DELETE {API}/organisaties/{{cbs_code}}/contacten/{{contact_id}}": {C},
        f"GET {API}/voorgesprekken": {C, T},
        f"POST {API}/voorgesprekken": {C, T},
        f"GET {API}/voorgesprekken/{{voorgesprek_id}}": {C, T},
        f"PATCH {API}/voorgesprekken/{{voorgesprek_id}}": {C, T},
        f"POST {API}/voorgesprekken/{{voorgesprek_id}}/annulering": {C, T},
        f"GET {API}/voorgesprekken/{{voorgesprek_id}}/geschiedenis": {C, T},
        f"GET {API}/vervolgacties": {C, T},
        f"POST {API}/vervolgacties": {C, T},
        f"PATCH {API}/vervolgacties/{{follow_up_id}}": {C, T},
        f"POST {API}/imports": {C},
        f"GET {API}/imports/sjabloon": {C},
        f"GET {API}/imports/{{import_id}}": {C},
        f"GET {API}/audit": {C},
        "GET /intake/": {C, T},
        "GET /intake/organisaties/{cbs_code}": {C, T},
        "GET /intake/voorgesprekken/nieuw": {C, T},
        "POST /intake/voorgesprekken/nieuw": {C, T},
        "GET /intake/voorgesprekken/{voorgesprek_id}": {C, T},
        "GET /intake/voorgesprekken/{voorgesprek_id}/wijzigen": {C, T},
        "POST /intake/voorgesprekken/{voorgesprek_id}/wijzigen": {C, T},
        "GET /intake/acties": {C, T},
        "POST /intake/acties/{follow_up_id}/afgerond": {C, T},
        "POST /intake/organisaties/{cbs_code}/notities": {C},
        "POST /intake/organisaties/{cbs_code}/publicatie": {C},
        "POST /intake/organisaties/{cbs_code}/protocol": {C},
        "POST /intake/voorgesprekken/{voorgesprek_id}/protocol": {C},
        "GET /intake/organisaties/{cbs_code}/contacten": {C, T},
        "POST /intake/organisaties/{cbs_code}/contacten": {C},
        "GET /intake/import": {C},
        "POST /intake/import": {C},
        "GET /intake/import/{import_id}": {C},
    }
)
