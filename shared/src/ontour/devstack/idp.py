"""The development identity provider (PyPI ``oidc-provider-mock``) with demo users.

Only for ``make up`` and tests: every page then shows the "ontwikkelomgeving" banner.
Production uses a real IdP (Keycloak in compose) through the same OIDC settings.
"""

from __future__ import annotations

import json
import secrets
import urllib.parse
from pathlib import Path

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from ontour import http_client
from ontour.devstack.servers import ManagedProcess, spawn, venv_bin, wait_for_port

IDP_PORT = 9400
CLIENT_ID = "ontour"

# Fictional people, one (or more) per role.
DEMO_USERS: list[dict[str, str | list[str]]] = [
    {"sub": "carla.coordinator", "name": "Carla de Vries", "roles": ["coordinator"]},
    {"sub": "tom.teamlid", "name": "Tom Bakker", "roles": ["teamlid"]},
    {"sub": "fatima.teamlid", "name": "Fatima El Amrani", "roles": ["teamlid"]},
    {"sub": "mira.ministerie", "name": "Mira Jansen", "roles": ["ministerie"]},
    {"sub": "bas.beheerder", "name": "Bas Visser", "roles": ["beheerder"]},
]
SUBJECT_FOR_ROLE: dict[str, str] = {
    str(user["roles"][0]): str(user["sub"]) for user in reversed(DEMO_USERS)
}


def start_idp(port: int, log_path: Path) -> ManagedProcess:
    args = [
        venv_bin("oidc-provider-mock"),
        "--port",
        str(port),
        "--host",
        "127.0.0.1",
        "--require-nonce",
        "true",
    ]
    for user in DEMO_USERS:
        args += ["--user-claims", json.dumps(user)]
    process = spawn("oidc-provider-mock", args, log_path)
    wait_for_port(port, process)
    return process


def fetch_id_token(
    issuer: str,
    subject: str,
    *,
    client_id: str = CLIENT_ID,
    redirect_uri: str = "http://127.0.0.1/auth/callback",
) -> str:
    """Sign ``subject`` in at the development IdP (code flow with PKCE); return the ID token.

    For tests, the demo loader and benchmarks: an API client's Bearer token in development.
    This IdP issues only opaque access tokens, so outside production the services take its
    ID token as a Bearer token (``ONTOUR_OIDC_DEV_ID_TOKENS_AS_BEARER``); in production an
    API client needs a real access token (audience ``ONTOUR_OIDC_API_AUDIENCE``).
    """
    verifier = secrets.token_urlsafe(48)
    challenge = create_s256_code_challenge(verifier)
    params = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": "openid profile",
        "state": secrets.token_urlsafe(8),
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    with http_client.client(base_url=issuer, timeout=10.0) as client:
        authorized = client.post("/oauth2/authorize", params=params, data={"sub": subject})
        location = authorized.headers["location"]
        code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
        token = client.post(
            "/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            auth=(client_id, "development"),
        )
        token.raise_for_status()
        return str(token.json()["id_token"])
