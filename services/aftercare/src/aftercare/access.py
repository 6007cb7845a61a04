"""Who may do what in aftercare (deny by default; the access-matrix test walks this table).

Office holders ask for aftercare without an account (the form, the JSON request endpoint and
the status link are public; the link's secret is the key). A coordinator handles every case;
a peer (teamlid) only the cases linked to them (checked per object in the endpoints); the
ministry sees nothing here.
"""

from ontour.auth.access import PUBLIC, AccessTable
from ontour.auth.principal import Role

C, T = Role.COORDINATOR, Role.TEAMLID
API = "/aftercare/api/v1"

access = AccessTable(
    {
        "GET /aftercare/": PUBLIC,
        "POST /aftercare/aanvraag": PUBLIC,
        "GET /aftercare/status/{token}": PUBLIC,
        "POST /aftercare/status/{token}/intrekken": PUBLIC,
        # The statement draft: the requester's own (the link's secret is the key) ...
        "GET /aftercare/status/{token}/verklaring": PUBLIC,
        "POST /aftercare/status/{token}/verklaring": PUBLIC,
        "GET /aftercare/status/{token}/verklaring.pdf": PUBLIC,
        "POST /aftercare/status/{token}/verklaring/delen": PUBLIC,
        "POST /aftercare/status/{token}/verklaring/wissen": PUBLIC,
        f"POST {API}/verzoeken": PUBLIC,
        f"GET {API}/verzoeken": {C},
        f"GET {API}/verzoeken/{{case_id}}": {C, T},
        f"GET {API}/verzoeken/{{case_id}}/voorstel": {C},
        f"POST {API}/verzoeken/{{case_id}}/koppeling": {C},
        f"POST {API}/verzoeken/{{case_id}}/weigering": {C, T},
        f"POST {API}/verzoeken/{{case_id}}/contact": {C, T},
        f"POST {API}/verzoeken/{{case_id}}/start": {C, T},
        f"POST {API}/verzoeken/{{case_id}}/afsluiting": {C, T},
        f"POST {API}/verzoeken/{{case_id}}/wissen": {C},
        f"GET {API}/peers": {C},
        f"POST {API}/peers": {C},
        f"GET {API}/peers/{{peer_id}}": {C, T},
        f"PUT {API}/peers/{{peer_id}}": {C},
        f"GET {API}/mijn-nazorg": {C, T},
        f"GET {API}/koppelvoorstel": {C},
        f"GET {API}/audit": {C},
        "GET /aftercare/wachtrij": {C},
        "GET /aftercare/peers": {C},
        "GET /aftercare/peers/{peer_id}": {C},
        "POST /aftercare/peers/{peer_id}": {C},
        "GET /aftercare/mijn-nazorg": {C, T},
        "GET /aftercare/verzoeken/{case_id}": {C, T},
        "POST /aftercare/verzoeken/{case_id}/{step}": {C, T},
        # ... and their peer's, only with the requester's consent (checked per case).
        "GET /aftercare/verzoeken/{case_id}/verklaring": {C, T},
        "POST /aftercare/verzoeken/{case_id}/verklaring/opslaan": {C, T},
        "GET /aftercare/verzoeken/{case_id}/verklaring.pdf": {C, T},
    }
)
