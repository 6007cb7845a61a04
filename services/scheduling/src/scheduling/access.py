"""Who may do what in scheduling (deny by default; the access-matrix test walks this table).

coordinator: plans and confirms, and keeps the team (the teamleden pages). teamlid: sees
the plan, records the outcome of their own sessions and manages their own availability and
calendar feed (checked per object in the endpoints). ministerie: nothing here. The
calendar feed is public behind its secret address.
"""

from ontour.auth.access import PUBLIC, AccessTable
from ontour.auth.principal import Role

C, T = Role.COORDINATOR, Role.TEAMLID
API = "/scheduling/api/v1"

access = AccessTable(
    {
        f"GET {API}/verzoeken": {C, T},
        f"GET {API}/teamleden": {C, T},
        f"POST {API}/teamleden": {C},
        f"GET {API}/teamleden/{{teamlid_id}}": {C, T},
        f"PUT {API}/teamleden/{{teamlid_id}}/beschikbaarheid": {C, T},
        f"POST {API}/teamleden/{{teamlid_id}}/agendafeed": {C, T},
        f"DELETE {API}/teamleden/{{teamlid_id}}/agendafeed": {C, T},
        f"POST {API}/planningen": {C},
        f"GET {API}/planningen/{{run_id}}": {C, T},
        f"POST {API}/planningen/{{run_id}}/annulering": {C},
        f"POST {API}/planningen/{{run_id}}/overname": {C},
        f"GET {API}/sessies": {C, T},
        f"POST {API}/sessies": {C},
        f"GET {API}/sessies/{{session_id}}": {C, T},
        f"PATCH {API}/sessies/{{session_id}}": {C},
        f"POST {API}/sessies/{{session_id}}/bevestiging": {C},
        f"POST {API}/sessies/{{session_id}}/annulering": {C},
        f"POST {API}/sessies/{{session_id}}/uitkomst": {C, T},
        f"GET {API}/sessies/{{session_id}}/agenda.ics": {C, T},
        f"GET {API}/audit": {C},
        "GET /scheduling/": {C, T},
        "POST /scheduling/planningen": {C},
        "GET /scheduling/planningen/{run_id}": {C, T},
        "POST /scheduling/planningen/{run_id}/annulering": {C},
        "POST /scheduling/planningen/{run_id}/overname": {C},
        "GET /scheduling/agenda": {C, T},
        "GET /scheduling/sessies": {C, T},
        "GET /scheduling/sessies/{session_id}": {C, T},
        "POST /scheduling/sessies/{session_id}/bevestiging": {C},
        "POST /scheduling/sessies/{session_id}/annulering": {C},
        "POST /scheduling/sessies/{session_id}/wijzigen": {C},
        "POST /scheduling/sessies/{session_id}/uitkomst": {C, T},
        "GET /scheduling/teamleden": {C},
        "GET /scheduling/teamleden/nieuw": {C},
        "POST /scheduling/teamleden": {C},
        "GET /scheduling/teamleden/{teamlid_id}": {C},
        "POST /scheduling/teamleden/{teamlid_id}": {C},
        "POST /scheduling/teamleden/{teamlid_id}/deelname": {C},
        "GET /scheduling/mijn-agenda": {C, T},
        "POST /scheduling/mijn-agenda/feed": {C, T},
        "GET /scheduling/mijn-beschikbaarheid": {C, T},
        "POST /scheduling/mijn-beschikbaarheid": {C, T},
        "GET /scheduling/agenda/{token}.ics": PUBLIC,
    }
)
