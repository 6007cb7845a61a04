"""Bearer tokens are checked against the IdP's keys: signature, issuer, audience, expiry.

The tokens here are API access tokens (RFC 9068: ``typ`` at+jwt, the API audience, ``azp``
our client); test_token_hardening.py has the ID-token and key-refresh cases."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from intake.app import service as intake
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from ontour.devstack.servers import free_port
from ontour.testing.plugin import running_service

KEY = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "test-key"})  # same kid, wrong key


@pytest.fixture(scope="module")
def issuer():
    """A tiny OIDC issuer: discovery document and JWKS over real HTTP."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    documents = {
        "/.well-known/openid-configuration": {"issuer": url, "jwks_uri": f"{url}/jwks"},
        "/jwks": KeySet([KEY]).as_dict(private=False),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps(documents[self.path]).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield url
    server.shutdown()


def claims(issuer: str, **changes) -> dict:
    now = int(time.time())
    base = {
        "iss": issuer,
        "aud": "ontour-api",
        "azp": "ontour",
        "sub": "carla.coordinator",
        "iat": now,
        "exp": now + 300,
        "name": "Carla de Vries",
        "roles": ["coordinator"],
    }
    return {k: v for k, v in {**base, **changes}.items() if v is not None}


def signed(payload: dict, key=KEY, alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": "test-key", "typ": "at+jwt"}, payload, key)


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
async def api(nats_url, database_url, issuer):
    async with running_service(
        intake, nats_url=nats_url, idp_url=issuer, database_url=database_url("intake")
    ) as client:
        yield client


ENDPOINT = "/intake/api/v1/voorgesprekken"
BODY = {"organisation_code": "GM0014", "held_on": "2025-01-01", "mode": "fysiek"}


async def test_a_valid_token_is_accepted(api, issuer):
    response = await api.post(
        ENDPOINT, json=BODY, headers={"Authorization": f"Bearer {signed(claims(issuer))}"}
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "case",
    [
        "alg-none",
        "wrong-issuer",
        "wrong-audience",
        "expired",
        "tampered",
        "wrong-key",
        "hs256-with-public-key",
        "garbage",
        "no-subject",
    ],
)
async def test_bad_tokens_get_401_problem_json(api, issuer, case):
    good = claims(issuer)
    if case == "alg-none":
        token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(good)}."
    elif case == "wrong-issuer":
        token = signed(claims(issuer, iss="https://evil.example"))
    elif case == "wrong-audience":
        token = signed(claims(issuer, aud="someone-else"))
    elif case == "expired":
        token = signed(claims(issuer, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600))
    elif case == "tampered":
        header, _, signature = signed(claims(issuer, roles=["teamlid"])).split(".")
        token = f"{header}.{b64(good)}.{signature}"  # roles upgraded after signing
    elif case == "wrong-key":
        token = signed(good, key=OTHER_KEY)
    elif case == "hs256-with-public-key":
        # The classic key-confusion attack: HMAC "signed" with the public key as secret.
        signing_input = f"{b64({'alg': 'HS256', 'kid': 'test-key'})}.{b64(good)}"
        mac = hmac.new(KEY.as_pem(private=False), signing_input.encode(), hashlib.sha256)
        token = f"{signing_input}.{base64.urlsafe_b64encode(mac.digest()).rstrip(b'=').decode()}"
    elif case == "no-subject":
        token = signed({k: v for k, v in good.items() if k != "sub"})
    else:
        token = "not-a-jwt"
    response = await api.post(ENDPOINT, json=BODY, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Niet aangemeld"
    assert "invalid_token" in response.headers["www-authenticate"]


async def test_roles_come_from_the_configured_claim(nats_url, database_url, issuer):
    token = signed(claims(issuer, roles=None, realm_access={"roles": ["coordinator"]}))
    headers = {"Authorization": f"Bearer {token}"}
    async with running_service(
        intake,
        nats_url=nats_url,
        idp_url=issuer,
        database_url=database_url("intake"),
        oidc_roles_claim="realm_access.roles",
    ) as keycloak_style:
        assert (await keycloak_style.post(ENDPOINT, json=BODY, headers=headers)).status_code == 201
    async with running_service(
        intake, nats_url=nats_url, idp_url=issuer, database_url=database_url("intake")
    ) as plain:
        # With the default claim ("roles") the same token has no role: refused.
        assert (await plain.post(ENDPOINT, json=BODY, headers=headers)).status_code == 403
