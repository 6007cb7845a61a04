"""Sign-in and sign-out with OpenID Connect: authorization code flow with PKCE.

The browser's login state (state, nonce, PKCE verifier, where to return) travels in a
short-lived signed cookie; after the callback the session lives in the shared session store.

The IdP sends the browser back to the configured public address, so sign-in starts there
too: a browser on another name for the same server (``localhost`` for ``127.0.0.1``) would
keep the login cookie on that name and arrive at the callback without it. Each way the
callback can fail says what happened, in Dutch.
"""

from __future__ import annotations

import re
import secrets
import urllib.parse
from typing import Any

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ontour import http_client
from ontour.auth import csrf
from ontour.auth.identity import Identity
from ontour.auth.tokens import InvalidToken, discover
from ontour.messaging.streams import SESSION_TTL_SECONDS
from ontour.observability.logging import get_logger
from ontour.settings import ServiceSettings
from ontour.web.problems import Problem

LOGIN_COOKIE = "ontour_aanmelden"
LOGIN_MAX_AGE_SECONDS = 600
EXPIRED = (
    f"Het aanmelden is verlopen: het duurde langer dan {LOGIN_MAX_AGE_SECONDS // 60} minuten. "
    "Meld u opnieuw aan."
)
log = get_logger(__name__)
# An OAuth error code is a short ASCII word; anything else is not repeated on the page.
_ERROR_CODE = re.compile(r"[a-z_]{1,40}")


def safe_return_path(value: str | None) -> str:
    """Only local paths: never an open redirect."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def _host_and_port(scheme: str, netloc: str) -> tuple[str, int | None]:
    """``127.0.0.1:8080`` as (host, port), with the scheme's default port filled in."""
    parts = urllib.parse.urlsplit(f"{scheme}://{netloc}")
    try:
        port = parts.port
    except ValueError:  # a Host header with a port that is no number
        return (parts.hostname or "", None)
    return (parts.hostname or "", port or {"http": 80, "https": 443}.get(scheme))


def elsewhere(request: Request, public_base_url: str) -> bool:
    """Whether the browser reached us by another host name than the public address."""
    public = urllib.parse.urlsplit(public_base_url)
    seen = _host_and_port(public.scheme, request.headers.get("host", ""))
    return seen != _host_and_port(public.scheme, public.netloc)


def _callback_problem(login_cookie: str | None, public_base_url: str) -> Problem:
    """Why the login cookie is unusable when it has not simply expired: gone, or not ours."""
    if not login_cookie:
        return Problem(
            400,
            "Het aanmelden is niet afgerond: uw browser stuurde de aanmeldgegevens niet mee. "
            "Dat gebeurt als het aanmelden op een ander adres begon (bijvoorbeeld localhost "
            f"in plaats van {urllib.parse.urlsplit(public_base_url).hostname}) of als uw "
            f"browser cookies blokkeert. Meld u opnieuw aan via {public_base_url.rstrip('/')}/.",
        )
    return Problem(
        400,
        "De aanmeldgegevens in uw browser zijn ongeldig (gewijzigd of van een andere "
        "installatie). Meld u opnieuw aan.",
    )


def oidc_router(settings: ServiceSettings, identity: Identity) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    secret = settings.secret_key.get_secret_value()
    signer = URLSafeTimedSerializer(secret, salt="ontour-login")
    public_base = settings.public_base_url.rstrip("/")
    redirect_uri = f"{public_base}/auth/callback"
    # __Host-... behind https (Secure, Path=/, no Domain); plain names over http.
    login_cookie = f"{settings.cookie_prefix}{LOGIN_COOKIE}"
    session_cookie = settings.session_cookie_name
    logout_tokens = identity.id_token_validator.with_audience(
        settings.oidc_client_id, kind="logout"
    )
    cookie_flags: dict[str, Any] = {
        "httponly": True,
        "samesite": "lax",
        "secure": settings.session_cookie_secure,
        "path": "/",
    }

    @router.get("/aanmelden")
    async def sign_in(request: Request, terug: str | None = None) -> RedirectResponse:
        if elsewhere(request, settings.public_base_url):
            query = urllib.parse.urlencode({"terug": safe_return_path(terug)})
            return RedirectResponse(f"{public_base}/aanmelden?{query}", 303)
        config = await discover(settings.oidc_issuer)
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(64)
        challenge = create_s256_code_challenge(verifier)
        query = urllib.parse.urlencode(
            {
                "client_id": settings.oidc_client_id,
                "response_type": "code",
                "scope": "openid profile",
                "redirect_uri": redirect_uri,
                "state": state,
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        response = RedirectResponse(f"{config['authorization_endpoint']}?{query}", 303)
        response.set_cookie(
            login_cookie,
            signer.dumps(
                {
                    "state": state,
                    "nonce": nonce,
                    "verifier": verifier,
                    "terug": safe_return_path(terug),
                }
            ),
            max_age=LOGIN_MAX_AGE_SECONDS,
            **cookie_flags,
        )
        return response

    @router.get("/auth/callback")
    async def callback(
        request: Request, code: str = "", state: str = "", error: str = ""
    ) -> RedirectResponse:
        cookie = request.cookies.get(login_cookie)
        try:
            login = signer.loads(cookie or "", max_age=LOGIN_MAX_AGE_SECONDS)
        except SignatureExpired:
            raise Problem(400, EXPIRED) from None
        except BadSignature:
            raise _callback_problem(cookie, settings.public_base_url) from None
        if error:
            code_word = f" (foutcode {error})" if _ERROR_CODE.fullmatch(error) else ""
            raise Problem(
                400,
                f"De identiteitsprovider heeft het aanmelden afgebroken{code_word}. "
                "Meld u opnieuw aan; lukt het niet, neem dan contact op met de beheerder.",
            )
        if not code:
            raise Problem(
                400, "Het antwoord van de identiteitsprovider bevat geen code. Meld u opnieuw aan."
            )
        if not secrets.compare_digest(state, login["state"]):
            raise Problem(
                400,
                "Dit antwoord hoort bij een ander aanmeldverzoek (bijvoorbeeld uit een ander "
                "tabblad of een oude link). Meld u opnieuw aan.",
            )
        config = await discover(settings.oidc_issuer)
        async with http_client.async_client(timeout=10.0) as client:
            token_response = await client.post(
                config["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": login["verifier"],
                },
                auth=(settings.oidc_client_id, settings.oidc_client_secret.get_secret_value()),
            )
        if token_response.status_code != 200:
            raise Problem(502, "De identiteitsprovider weigerde het aanmelden.")
        tokens = token_response.json()
        id_token = str(tokens["id_token"])
        try:
            claims = await identity.id_token_validator.validate(id_token, nonce=login["nonce"])
        except InvalidToken:
            raise Problem(
                401,
                "Het aanmelden is niet gelukt: het identiteitsbewijs van de identiteitsprovider "
                "klopt niet. Meld u opnieuw aan.",
            ) from None
        principal = identity.principal_from_claims(claims, via="session")
        assert identity.sessions is not None
        session_id = await identity.sessions.create(
            principal,
            sid=str(claims.get("sid") or ""),
            refresh_token=str(tokens.get("refresh_token") or ""),
        )
        log.info(
            "signed in",
            actor=principal.subject,
            roles=sorted(principal.roles),
            origin=request.client.host if request.client else "",
        )
        response = RedirectResponse(login["terug"], 303)
        response.delete_cookie(login_cookie, path="/", secure=settings.session_cookie_secure)
        response.set_cookie(session_cookie, session_id, max_age=SESSION_TTL_SECONDS, **cookie_flags)
        return response

    @router.post("/afmelden")
    async def sign_out(request: Request) -> RedirectResponse:
        if not await csrf.is_valid(request, secret):
            raise Problem(403, "Het formulier is verlopen. Laad de pagina opnieuw.")
        session_id = request.cookies.get(session_cookie)
        target = "/"
        if session_id and identity.sessions is not None:
            session = await identity.sessions.get(session_id)
            await identity.sessions.delete(session_id)
            if session is not None:
                log.info("signed out", actor=session.principal.subject)
                config = await discover(settings.oidc_issuer)
                if config.get("end_session_endpoint"):
                    # No id_token_hint: the ID token never goes into a URL (browser
                    # history, proxy and IdP logs); client_id names the redirect's owner.
                    target = f"{config['end_session_endpoint']}?" + urllib.parse.urlencode(
                        {
                            "client_id": settings.oidc_client_id,
                            "post_logout_redirect_uri": f"{public_base}/",
                        }
                    )
        response = RedirectResponse(target, 303)
        response.delete_cookie(session_cookie, path="/", secure=settings.session_cookie_secure)
        return response

    @router.post("/auth/backchannel-logout")
    async def backchannel_logout(logout_token: str = Form("")) -> Response:
        """OpenID Connect Back-Channel Logout: the IdP ends a session (or all of a user's)."""
        try:
            claims = await logout_tokens.validate(logout_token)
        except InvalidToken:
            return Response(status_code=400, headers={"Cache-Control": "no-store"})
        assert identity.sessions is not None
        ended = await identity.sessions.delete_where(
            subject=str(claims.get("sub") or "") or None, sid=str(claims.get("sid") or "") or None
        )
        log.info("signed out by the IdP", actor=claims.get("sub", ""), sessions=ended)
        return Response(status_code=200, headers={"Cache-Control": "no-store"})

    return router
