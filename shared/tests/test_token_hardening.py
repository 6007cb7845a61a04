"""Hardening of tokens: the IdP's keys are not fetched for every made-up ``kid``; an ID
token is not an API token (audience, ``typ``, ``azp``); sign-out puts no ID token in a URL."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from intake.app import service as intake
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from ontour.auth.tokens import InvalidToken, TokenValidator
from ontour.devstack.idp import SUBJECT_FOR_ROLE, fetch_id_token
from ontour.devstack.servers import free_port
from ontour.testing.plugin import running_service
from test_tokens import claims as access_claims

KEY = RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig"})
ROTATED = RSAKey.generate_key(2048, parameters={"kid": "key-2", "use": "sig"})
ENDPOINT = "/intake/api/v1/organisaties"


class Issuer:
    """A tiny OIDC issuer over real HTTP that counts the requests for its key set."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.keys = [KEY]
        self.requests: Counter[str] = Counter()
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.requests[self.path] += 1
                if self.path == "/jwks":
                    time.sleep(0.05)  # slow enough for concurrent callers to overlap
                    document: Any = KeySet(issuer.keys).as_dict(private=False)
                else:
                    document = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks"}
                body = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def jwks_fetches(self) -> int:
        return self.requests["/jwks"]


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    issuer = Issuer()
    yield issuer
    issuer.server.shutdown()


def signed(payload: dict[str, Any], key: RSAKey = KEY, **header: Any) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "at+jwt", **header}, payload, key)


# --- 1. An unknown kid does not make every request fetch the IdP's keys -----------------


async def test_many_tokens_with_unknown_kids_cause_at_most_one_key_fetch(issuer):
    validator = TokenValidator(issuer.url, "ontour-api", clients={"ontour"})
    forged = [
        signed(access_claims(issuer.url), kid=f"made-up-{n}") for n in range(25)
    ]  # fmt: skip
    # Concurrently (one shared fetch) ...
    results = await asyncio.gather(
        *(validator.validate(token) for token in forged), return_exceptions=True
    )
    assert all(isinstance(result, InvalidToken) for result in results)
    # ... and one after the other (no refresh within the minimum interval).
    for token in forged:
        with pytest.raises(InvalidToken):
            await validator.validate(token)
    assert issuer.jwks_fetches == 1
    # A real token still works without another fetch.
    assert (await validator.validate(signed(access_claims(issuer.url))))["sub"]
    assert issuer.jwks_fetches == 1


async def test_anonymous_callers_with_unknown_kids_cause_at_most_one_key_fetch(
    issuer, nats_url, database_url
):
    async with running_service(
        intake, nats_url=nats_url, idp_url=issuer.url, database_url=database_url("intake")
    ) as api:
        for n in range(15):
            token = signed(access_claims(issuer.url), kid=f"made-up-{n}")
            response = await api.get(ENDPOINT, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401
    assert issuer.jwks_fetches <= 1


async def test_a_rotated_key_is_picked_up_after_the_minimum_interval(issuer):
    validator = TokenValidator(issuer.url, "ontour-api", min_refresh_seconds=0.3)
    assert await validator.validate(signed(access_claims(issuer.url)))
    issuer.keys = [KEY, ROTATED]  # the IdP rotates
    await asyncio.sleep(0.35)
    claims = await validator.validate(signed(access_claims(issuer.url), key=ROTATED))
    assert claims["sub"] == "carla.coordinator"
    assert issuer.jwks_fetches == 2


# --- 2. An ID token is not an API token ---------------------------------------------------


@pytest.mark.parametrize(
    ("case", "accepted"),
    [
        ("rfc9068-access-token", True),
        ("keycloak-access-token", True),
        ("id-token-audience", False),  # aud = the client id: an ID token's audience
        ("keycloak-id-token", False),  # typ ID, even with the API audience
        ("no-typ", False),
        ("other-client", False),
        ("no-azp", False),
    ],
)
async def test_only_access_tokens_for_the_api_audience_are_api_tokens(issuer, case, accepted):
    validator = TokenValidator(issuer.url, "ontour-api", clients={"ontour"})
    url = issuer.url
    token = {
        "rfc9068-access-token": signed(access_claims(url)),
        "keycloak-access-token": signed(access_claims(url, typ="Bearer"), typ="JWT"),
        "id-token-audience": signed(access_claims(url, aud="ontour")),
        "keycloak-id-token": signed(access_claims(url, typ="ID"), typ="JWT"),
        "no-typ": signed(access_claims(url), typ="JWT"),
        "other-client": signed(access_claims(url, azp="someone-else")),
        "no-azp": signed(access_claims(url, azp=None)),
    }[case]
    if accepted:
        assert (await validator.validate(token))["sub"] == "carla.coordinator"
    else:
        with pytest.raises(InvalidToken):
            await validator.validate(token)


async def test_a_development_id_token_is_no_bearer_token_unless_development_allows_it(
    nats_url, database_url, idp_url
):
    id_token = fetch_id_token(idp_url, SUBJECT_FOR_ROLE["coordinator"])
    headers = {"Authorization": f"Bearer {id_token}"}
    common = {"nats_url": nats_url, "idp_url": idp_url, "database_url": database_url("intake")}
    async with running_service(intake, **common, oidc_dev_id_tokens_as_bearer=False) as api:
        refused = await api.get(ENDPOINT, headers=headers)
    assert refused.status_code == 401
    assert "invalid_token" in refused.headers["www-authenticate"]
    # Outside production the development IdP's ID tokens do (it has no JWT access tokens).
    async with running_service(intake, **common) as api:
        assert (await api.get(ENDPOINT, headers=headers)).status_code == 200


def test_production_never_takes_id_tokens_as_bearer_tokens():
    from ontour.settings import ServiceSettings

    secrets = {"secret_key": "s" * 32, "oidc_client_secret": "c" * 32}
    production = ServiceSettings(service_name="x", environment="production", **secrets)
    assert production.oidc_dev_id_tokens_as_bearer  # the default ...
    assert not production.accepts_id_tokens_as_bearer  # ... is ignored in production
    assert production.oidc_api_audience != production.oidc_client_id


# --- Sign-out: no ID token in the logout URL ---------------------------------------------


async def sign_in_at_front_door(door: httpx.AsyncClient, idp_url: str, subject: str) -> None:
    """The code flow through the front door and the development IdP, as a browser would."""
    start = await door.get("/aanmelden")
    authorize = urllib.parse.urlparse(start.headers["location"])
    async with httpx.AsyncClient() as browser:
        consent = await browser.post(
            f"{idp_url}/oauth2/authorize?{authorize.query}", data={"sub": subject}
        )
    callback = urllib.parse.urlparse(consent.headers["location"])
    done = await door.get(f"/auth/callback?{callback.query}")
    assert done.status_code == 303, done.text


async def test_sign_out_sends_no_id_token_to_the_idp(nats_url, idp_url):
    from ontour.frontdoor import FrontDoorSettings
    from ontour.frontdoor import create_app as frontdoor_app

    settings = FrontDoorSettings(nats_url=nats_url, oidc_issuer=idp_url, environment="test",
                                 public_base_url="http://ontour.test",
                                 session_cookie_secure=False)  # fmt: skip
    app = frontdoor_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ontour.test") as door:
            await sign_in_at_front_door(door, idp_url, SUBJECT_FOR_ROLE["coordinator"])
            page = await door.get("/", headers={"Accept": "text/html"})
            token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            out = await door.post("/afmelden", data={"csrf_token": token})
    assert out.status_code == 303
    target = urllib.parse.urlparse(out.headers["location"])
    query = urllib.parse.parse_qs(target.query)
    assert target.path.endswith("/end_session")
    assert "id_token_hint" not in query
    assert query["client_id"] == [settings.oidc_client_id]
    assert query["post_logout_redirect_uri"] == [f"{settings.public_base_url}/"]
