"""Who is asking: a Bearer token (API clients) or a session cookie (the web UI)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import httpx
from starlette.requests import Request

from ontour import http_client
from ontour.auth.principal import Principal, roles_from_claims
from ontour.auth.sessions import SESSION_COOKIE, Session, SessionStore
from ontour.auth.tokens import InvalidToken, TokenValidator, discover
from ontour.observability.logging import get_logger

if TYPE_CHECKING:
    from ontour.settings import ServiceSettings
from ontour.web.problems import Problem

log = get_logger(__name__)


class Identity:
    def __init__(
        self,
        validator: TokenValidator,
        sessions: SessionStore | None,
        roles_claim: str,
        client_id: str,
        *,
        accept_id_tokens: bool = False,
        session_cookie: str = SESSION_COOKIE,
        client_secret: str = "",
        refresh_seconds: float = 5 * 60,
    ) -> None:
        """``validator`` checks API access tokens. ``accept_id_tokens`` (development only):
        also take our client's ID tokens as Bearer tokens, because the development IdP
        cannot issue JWT access tokens."""
        self.validator = validator
        # ID tokens at sign-in are for our client; they share the access tokens' key cache.
        self.id_token_validator = validator.with_audience(client_id, kind="id")
        self.accept_id_tokens = accept_id_tokens
        self.sessions = sessions
        self.roles_claim = roles_claim
        self.session_cookie = session_cookie
        self.client_id = client_id
        self._client_secret = client_secret
        self.refresh_seconds = refresh_seconds

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> Identity:
        validator = TokenValidator(
            settings.oidc_issuer, settings.oidc_api_audience, clients=settings.api_clients
        )
        return cls(
            validator,
            None,
            settings.oidc_roles_claim,
            settings.oidc_client_id,
            accept_id_tokens=settings.accepts_id_tokens_as_bearer,
            session_cookie=settings.session_cookie_name,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            refresh_seconds=settings.session_refresh_minutes * 60,
        )

    async def authenticate(self, request: Request) -> Principal | None:
        authorization = request.headers.get("authorization")
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise self._unauthorized("Gebruik een Bearer-token.")
            try:
                claims = await self.validator.validate(token.strip())
            except InvalidToken as exc:
                if not self.accept_id_tokens:
                    raise self._unauthorized(str(exc)) from None
                try:
                    claims = await self.id_token_validator.validate(token.strip())
                except InvalidToken:
                    raise self._unauthorized(str(exc)) from None
            return self.principal_from_claims(claims, via="bearer")
        session_id = request.cookies.get(self.session_cookie)
        if session_id and self.sessions is not None:
            session = await self.sessions.get(session_id)
            due = session is not None and time.time() - session.refreshed > self.refresh_seconds
            if session is not None and session.refresh_token and due:
                session = await self.refresh(session_id, session)
            if session is not None:
                return session.principal
        return None

    async def refresh(self, session_id: str, session: Session) -> Session | None:
        """Read the roles again from the IdP (refresh token grant); ``None`` when the IdP
        refuses (signed out or blocked there): the session then ends here too."""
        assert self.sessions is not None
        issuer = self.validator.issuer
        try:
            config = await discover(issuer)
            async with http_client.async_client(timeout=10.0) as client:
                response = await client.post(
                    config["token_endpoint"],
                    data={"grant_type": "refresh_token", "refresh_token": session.refresh_token},
                    auth=(self.client_id, self._client_secret),
                )
                if response.status_code in (400, 401):
                    log.info("session ended by the IdP", actor=session.principal.subject)
                    await self.sessions.delete(session_id)
                    return None
                response.raise_for_status()
                tokens = response.json()
                if tokens.get("id_token"):
                    claims = await self.id_token_validator.validate(str(tokens["id_token"]))
                else:  # e.g. the development IdP: no ID token on refresh
                    userinfo = await client.get(
                        config["userinfo_endpoint"],
                        headers={"Authorization": f"Bearer {tokens['access_token']}"},
                    )
                    userinfo.raise_for_status()
                    claims = userinfo.json()
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            # The IdP is unreachable: keep the session as it is and try again next request.
            log.warning("session roles not refreshed", error=type(exc).__name__)
            return session
        except InvalidToken:
            await self.sessions.delete(session_id)
            return None
        if str(claims.get("sub")) != session.principal.subject:
            await self.sessions.delete(session_id)
            return None
        refreshed = Session(
            self.principal_from_claims(claims, via="session"),
            created=session.created,
            seen=session.seen,
            refreshed=time.time(),
            sid=session.sid,
            refresh_token=str(tokens.get("refresh_token") or session.refresh_token),
        )
        await self.sessions.update(session_id, refreshed)
        return refreshed

    def principal_from_claims(self, claims: dict[str, object], via: str) -> Principal:
        name = claims.get("name") or claims.get("preferred_username") or claims["sub"]
        return Principal(
            subject=str(claims["sub"]),
            display_name=str(name),
            roles=roles_from_claims(claims, self.roles_claim),
            via=via,
        )

    @staticmethod
    def _unauthorized(detail: str) -> Problem:
        return Problem(
            401,
            detail,
            headers={"WWW-Authenticate": 'Bearer realm="ontour", error="invalid_token"'},
        )
