"""Who is asking: a Bearer token (API clients) or a session cookie (the web UI)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

from ontour.auth.principal import Principal, roles_from_claims
from ontour.auth.sessions import SESSION_COOKIE, SessionStore
from ontour.auth.tokens import InvalidToken, TokenValidator

if TYPE_CHECKING:
    from ontour.settings import ServiceSettings
from ontour.web.problems import Problem


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
            if session is not None:
                return session.principal
        return None

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
