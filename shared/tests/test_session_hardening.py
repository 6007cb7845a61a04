"""Hardening of browser sessions: an idle timeout besides the absolute one; roles read again
from the IdP; a CSRF token bound to the session; ``__Host-`` cookies behind https; and the
IdP's back-channel logout."""

from __future__ import annotations

import time
import urllib.parse
import uuid
from contextlib import asynccontextmanager
from typing import Any

import httpx
import nats
import pytest
from ontour.auth import csrf, oidc
from ontour.auth import sessions as sessions_module
from ontour.auth.principal import Principal, Role
from ontour.auth.sessions import SessionStore
from ontour.auth.tokens import BACKCHANNEL_LOGOUT_EVENT
from ontour.frontdoor import FrontDoorSettings
from ontour.frontdoor import create_app as frontdoor_app
from ontour.messaging.streams import SESSION_TTL_SECONDS
from test_token_hardening import KEY, Issuer, sign_in_at_front_door, signed

CARLA = Principal(
    "carla.coordinator", "Carla de Vries", frozenset({Role("coordinator")}), "session"
)


@asynccontextmanager
async def front_door(nats_url: str, idp_url: str, base: str = "http://ontour.test", **changes: Any):
    https = base.startswith("https")
    settings = FrontDoorSettings(
        nats_url=nats_url,
        oidc_issuer=idp_url,
        environment="test",
        public_base_url=base,
        session_cookie_secure=https,
        **changes,
    )
    app = frontdoor_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base) as door:
            door.settings = settings  # type: ignore[attr-defined]
            yield door


@asynccontextmanager
async def session_store(nats_url: str, **options: Any):
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        bucket = f"test_sessions_{uuid.uuid4().hex[:8]}"
        await js.create_key_value(bucket=bucket)
        yield await SessionStore.open(js, "test-secret", bucket=bucket, **options)
    finally:
        await connection.close()


def csrf_token(page: httpx.Response) -> str:
    return page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


async def start_page(door: httpx.AsyncClient) -> httpx.Response:
    return await door.get("/", headers={"Accept": "text/html"})


def signed_in(page: httpx.Response) -> bool:
    return 'action="/afmelden"' in page.text


async def demo_user(idp_url: str, roles: list[str]) -> str:
    """A user of its own at the development IdP (the demo users are shared by every test)."""
    subject = f"test.{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=idp_url) as idp:
        response = await idp.put(f"/users/{subject}", json={"name": "Test", "roles": roles})
        response.raise_for_status()
    return subject


# --- Idle and absolute timeout -----------------------------------------------------------


async def test_a_session_ends_after_thirty_idle_minutes(nats_url, monkeypatch):
    async with session_store(nats_url, idle_seconds=30 * 60) as store:
        session_id = await store.create(CARLA)
        now = time.time()
        monkeypatch.setattr(sessions_module.time, "time", lambda: now + 29 * 60)
        assert await store.get(session_id) is not None  # active: counts as activity
        monkeypatch.setattr(sessions_module.time, "time", lambda: now + 58 * 60)
        assert await store.get(session_id) is not None  # 29 minutes after the last request
        monkeypatch.setattr(sessions_module.time, "time", lambda: now + 89 * 60)
        assert await store.get(session_id) is None  # 31 idle minutes
        monkeypatch.setattr(sessions_module.time, "time", lambda: now + 90 * 60)
        assert await store.get(session_id) is None  # and it stays gone


async def test_activity_does_not_stretch_the_absolute_limit(nats_url, monkeypatch):
    async with session_store(nats_url, idle_seconds=30 * 60) as store:
        session_id = await store.create(CARLA)
        now = time.time()
        step = 0.0
        while step + 20 * 60 < SESSION_TTL_SECONDS:
            step += 20 * 60
            monkeypatch.setattr(sessions_module.time, "time", lambda step=step: now + step)
            assert await store.get(session_id) is not None
        monkeypatch.setattr(sessions_module.time, "time", lambda: now + SESSION_TTL_SECONDS + 1)
        assert await store.get(session_id) is None


def test_the_idle_timeout_is_a_setting_of_thirty_minutes():
    assert FrontDoorSettings().session_idle_minutes == 30


# --- Roles read again from the IdP -------------------------------------------------------


async def test_roles_are_read_again_and_a_refusal_at_the_idp_ends_the_session(nats_url, idp_url):
    subject = await demo_user(idp_url, ["coordinator"])
    async with front_door(nats_url, idp_url, session_refresh_minutes=0) as door:
        await sign_in_at_front_door(door, idp_url, subject)
        assert 'href="/intake/"' in (await start_page(door)).text
        async with httpx.AsyncClient(base_url=idp_url) as idp:
            await idp.put(f"/users/{subject}", json={"name": "Test", "roles": ["ministerie"]})
        page = await start_page(door)
        assert signed_in(page)
        assert 'href="/intake/"' not in page.text  # no longer a coordinator
        assert 'href="/reporting/"' in page.text
        async with httpx.AsyncClient(base_url=idp_url) as idp:
            await idp.post(f"/users/{subject}/revoke-tokens")
        assert not signed_in(await start_page(door))  # the IdP refused: signed out here too


# --- CSRF bound to the session -----------------------------------------------------------


async def test_a_csrf_token_from_before_sign_in_is_refused_after_it(nats_url, idp_url):
    async with front_door(nats_url, idp_url) as door:
        await start_page(door)
        # The token the pages gave before sign-in (or one an attacker computed for a cookie
        # he planted): valid for that cookie, but not for the session that follows.
        secret = door.settings.secret_key.get_secret_value()  # type: ignore[attr-defined]
        before = csrf.token_for(door.cookies["ontour_csrf"], secret)
        await sign_in_at_front_door(door, idp_url, await demo_user(idp_url, ["teamlid"]))
        refused = await door.post("/afmelden", data={"csrf_token": before})
        assert refused.status_code == 403
        assert signed_in(await start_page(door))
        fresh = csrf_token(await start_page(door))
        assert fresh != before
        assert (await door.post("/afmelden", data={"csrf_token": fresh})).status_code == 303


# --- __Host- cookies where the deployment allows -----------------------------------------


def cookie_headers(response: httpx.Response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


async def test_behind_https_the_cookies_are_host_prefixed(nats_url, idp_url):
    async with front_door(nats_url, idp_url, base="https://ontour.test") as door:
        start = await door.get("/aanmelden")
        cookies = cookie_headers(start)
        assert set(cookies) == {"__Host-ontour_csrf", "__Host-ontour_aanmelden"}
        await sign_in_at_front_door(door, idp_url, await demo_user(idp_url, ["teamlid"]))
        assert "__Host-ontour_sessie" in door.cookies
        assert signed_in(await start_page(door))
        for name in ("__Host-ontour_sessie", "__Host-ontour_csrf"):
            [cookie] = [c for c in door.cookies.jar if c.name == name]
            assert cookie.secure and cookie.path == "/" and not cookie.domain_specified
        out = await door.post("/afmelden", data={"csrf_token": csrf_token(await start_page(door))})
        assert out.status_code == 303
        assert not signed_in(await start_page(door))


async def test_over_http_development_keeps_the_plain_names(nats_url, idp_url):
    async with front_door(nats_url, idp_url) as door:
        assert set(cookie_headers(await door.get("/aanmelden"))) == {
            "ontour_csrf",
            "ontour_aanmelden",
        }


# --- Sign-in from another host name; a failed sign-in says why ---------------------------


async def test_sign_in_begun_on_another_host_name_moves_to_the_public_address(nats_url, idp_url):
    async with front_door(nats_url, idp_url, base="http://127.0.0.1:8080") as door:
        moved = await door.get("http://localhost:8080/aanmelden", params={"terug": "/intake/"})
        assert moved.status_code == 303
        assert moved.headers["location"] == "http://127.0.0.1:8080/aanmelden?terug=%2Fintake%2F"
        assert "ontour_aanmelden" not in cookie_headers(moved)  # no login cookie on localhost
        await sign_in_at_front_door(door, idp_url, await demo_user(idp_url, ["teamlid"]))
        assert signed_in(await start_page(door))


async def test_a_failed_sign_in_says_what_went_wrong(nats_url, idp_url, monkeypatch):
    async def detail(door: httpx.AsyncClient, query: str) -> str:
        response = await door.get(f"/auth/callback?{query}")
        assert response.status_code == 400, response.text
        return str(response.json()["detail"])

    async def started(door: httpx.AsyncClient) -> str:
        start = await door.get("/aanmelden")
        location = urllib.parse.urlparse(start.headers["location"])
        return urllib.parse.parse_qs(location.query)["state"][0]

    async with front_door(nats_url, idp_url) as door:
        # The callback arrives without the login cookie (it stayed on another host name).
        missing = await detail(door, "code=c&state=s")
        assert "niet afgerond" in missing and "localhost" in missing
        assert "verlopen" not in missing
        state = await started(door)
        assert "ander aanmeldverzoek" in await detail(door, "code=c&state=someone-elses")
        assert "geen code" in await detail(door, f"state={state}")
        stopped = await detail(door, f"error=access_denied&state={state}")
        assert "afgebroken (foutcode access_denied)" in stopped
        assert "<b>" not in await detail(door, f"error=%3Cb%3E&state={state}")
        with monkeypatch.context() as later:
            later.setattr(oidc, "LOGIN_MAX_AGE_SECONDS", -1)  # as if ten minutes passed
            expired = await detail(door, f"code=c&state={state}")
        assert (
            expired
            == "Het aanmelden is verlopen: het duurde langer dan 10 minuten. Meld u opnieuw aan."
        )
        door.cookies.clear()
        door.cookies.set("ontour_aanmelden", "forged")
        assert "ongeldig" in await detail(door, "code=c&state=s")


# --- Back-channel logout -----------------------------------------------------------------


@pytest.fixture
def issuer():
    issuer = Issuer()
    yield issuer
    issuer.server.shutdown()


def logout_token(issuer: Issuer, **changes: Any) -> str:
    claims = {
        "iss": issuer.url,
        "aud": "ontour",
        "iat": int(time.time()),
        "exp": int(time.time()) + 120,
        "jti": uuid.uuid4().hex,
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}},
        "sid": "idp-session-1",
        **changes,
    }
    return signed({k: v for k, v in claims.items() if v is not None}, KEY, typ="logout+jwt")


async def test_the_idp_ends_sessions_over_the_back_channel(nats_url, issuer):
    async with front_door(nats_url, issuer.url) as door:
        connection = await nats.connect(nats_url)
        try:
            secret = door.settings.secret_key.get_secret_value()  # type: ignore[attr-defined]
            store = await SessionStore.open(connection.jetstream(), secret)
            ended = await store.create(CARLA, sid="idp-session-1")
            other = await store.create(CARLA, sid="idp-session-2")
            stranger = await store.create(
                Principal("tom.teamlid", "Tom", frozenset(), "session"), sid="idp-session-3"
            )

            async def post(token: str) -> int:
                response = await door.post("/auth/backchannel-logout", data={"logout_token": token})
                return response.status_code

            # Not a logout token (no events), forged, or with a nonce: refused, nothing ends.
            assert await post(logout_token(issuer, events=None)) == 400
            assert await post(logout_token(issuer, nonce="n")) == 400
            assert await post(logout_token(issuer, aud="someone-else")) == 400
            assert await post("not-a-jwt") == 400
            assert await store.get(ended) is not None
            # By sid: only that session.
            assert await post(logout_token(issuer)) == 200
            assert await store.get(ended) is None
            assert await store.get(other) is not None
            # By subject: all of that user's sessions, no one else's.
            assert await post(logout_token(issuer, sid=None, sub=CARLA.subject)) == 200
            assert await store.get(other) is None
            assert await store.get(stranger) is not None
        finally:
            await connection.close()
