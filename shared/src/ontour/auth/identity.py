"""Who is asking: a Bearer token (API clients) or a session cookie (the web UI)."""

from __future__ import annotations

from starlette.requests import Request

from ontour.auth.principal import Principal, roles_from_claims
from ontour.auth.sessions import SESSION_COOKIE, SessionStore
from ontour.auth.tokens import InvalidToken, TokenValidator
from ontour.web.problems import Problem


class Identity:
    def __init__(
        self,
        validator: TokenValidator,
        sessions: SessionStore | None,
        roles_claim: str,
        client_id: str,
    ) -> None:
        self.validator = validator
        # ID tokens at sign-in are for our client; API tokens for the configured audience.
        self.id_token_validator = TokenValidator(validator.issuer, client_id)
        self.sessions = sessions
        self.roles_claim = roles_claim

    async def authenticate(self, request: Request) -> Principal | None:
        authorization = request.headers.get("authorization")
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise self._unauthorized("Gebruik een Bearer-token.")
            try:
                claims = await self.validator.validate(token.strip())
            except InvalidToken as exc:
                raise self._unauthorized(str(exc)) from None
            return self.principal_from_claims(claims, via="bearer")
        session_id = request.cookies.get(SESSION_COOKIE)
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
