"""Validate OIDC JWTs against the IdP's JWKS: signature, issuer, audience, expiry, type.

``alg: none`` and symmetric algorithms are never accepted. An unknown ``kid`` refreshes the
key set (key rotation at the IdP), but at most once per ``min_refresh_seconds`` per key set
and with one request shared by concurrent callers: anyone can send a token with a made-up
``kid``, and that must not make every request fetch the IdP's keys.

Two kinds of token: API access tokens (audience ``oidc_api_audience``, ``typ`` ``at+jwt``
per RFC 9068 or Keycloak's ``"typ": "Bearer"`` claim, ``azp``/``client_id`` one of our
clients) and ID tokens (audience and ``azp`` our client id, only at sign-in). An ID token is
never an API token, except from the development IdP outside production (it cannot issue
JWT access tokens; see ``Identity``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any, Literal

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from ontour import http_client

ALLOWED_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
ACCESS_TOKEN_HEADER_TYPES = {"at+jwt", "application/at+jwt"}  # RFC 9068
ACCESS_TOKEN_CLAIM_TYPES = {"Bearer"}  # Keycloak puts its token type in a "typ" claim
ID_TOKEN_CLAIM_TYPES = {"ID"}  # Keycloak's ID tokens

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"

TokenKind = Literal["access", "id", "logout"]


class InvalidToken(Exception):
    """The token is not acceptable; the message is safe to show (no token content)."""


class KeyCache:
    """One issuer's JWKS: fetched when missing or stale, refreshed for an unknown ``kid`` at
    most once per ``min_refresh_seconds``; concurrent callers share one in-flight fetch."""

    FAILURE_BACKOFF_SECONDS = 5.0  # after a failed fetch, wait this long before the next

    def __init__(
        self,
        jwks_url: Callable[[], Awaitable[str]],
        *,
        max_age_seconds: float = 300.0,
        min_refresh_seconds: float = 60.0,
    ) -> None:
        self._jwks_url = jwks_url
        self._max_age = max_age_seconds
        self._min_refresh = min_refresh_seconds
        self._keys: KeySet | None = None
        self._fetched_at = 0.0
        self._attempted_at: float | None = None
        self._inflight: asyncio.Future[KeySet] | None = None
        self.fetches = 0  # requests made to the IdP (for metrics and tests)

    async def keys_for(self, kid: str | None) -> KeySet:
        now = time.monotonic()
        if self._keys is None:
            if not self._may_fetch(now, self.FAILURE_BACKOFF_SECONDS):
                raise httpx.ConnectError("the IdP's keys were unreachable moments ago")
            return await self._refresh()
        if now - self._fetched_at > self._max_age and self._may_fetch(
            now, self.FAILURE_BACKOFF_SECONDS
        ):
            with contextlib.suppress(httpx.HTTPError, ValueError):
                await self._refresh()  # if the IdP is briefly away, the known keys still do
        unknown = kid and kid not in {key.kid for key in self._keys.keys}
        if unknown and self._may_fetch(now, self._min_refresh):
            return await self._refresh()  # the IdP may have rotated its keys
        return self._keys

    def _may_fetch(self, now: float, interval: float) -> bool:
        if self._inflight is not None:
            return True  # joining the running fetch costs the IdP nothing
        return self._attempted_at is None or now - self._attempted_at >= interval

    async def _refresh(self) -> KeySet:
        if self._inflight is None:
            self._inflight = asyncio.ensure_future(self._fetch())
        return await asyncio.shield(self._inflight)

    async def _fetch(self) -> KeySet:
        self._attempted_at = time.monotonic()
        self.fetches += 1
        try:
            async with http_client.async_client(timeout=5.0) as client:
                response = await client.get(await self._jwks_url())
                response.raise_for_status()
            self._keys = KeySet.import_key_set(response.json())
            self._fetched_at = time.monotonic()
            return self._keys
        finally:
            self._inflight = None


class TokenValidator:
    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        kind: TokenKind = "access",
        clients: Collection[str] = (),
        jwks_url: str | None = None,
        keys: KeyCache | None = None,
        leeway_seconds: int = 30,
        refresh_interval_seconds: float = 300.0,
        min_refresh_seconds: float = 60.0,
    ) -> None:
        """``clients``: the client ids an access token may be issued to (``azp`` or
        ``client_id``); empty means any. An ID token's ``azp`` must be ``audience``."""
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.kind = kind
        self.clients = frozenset(clients)
        self._jwks_url = jwks_url
        self._leeway = leeway_seconds
        self.keys = keys or KeyCache(
            self.jwks_url,
            max_age_seconds=refresh_interval_seconds,
            min_refresh_seconds=min_refresh_seconds,
        )

    async def jwks_url(self) -> str:
        if self._jwks_url is None:
            config = await discover(self.issuer)
            self._jwks_url = str(config["jwks_uri"])
        return self._jwks_url

    def with_audience(self, audience: str, *, kind: TokenKind) -> TokenValidator:
        """A validator of the same issuer sharing this one's key cache."""
        return TokenValidator(
            self.issuer,
            audience,
            kind=kind,
            jwks_url=self._jwks_url,
            keys=self.keys,
            leeway_seconds=self._leeway,
        )

    async def validate(self, token: str, *, nonce: str | None = None) -> dict[str, Any]:
        try:
            header = _header(token)
            kid = header.get("kid")
            keys = await self.keys.keys_for(kid if isinstance(kid, str) else None)
            decoded = jwt.decode(token, keys, algorithms=ALLOWED_ALGORITHMS)
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": self.issuer},
                "aud": {"essential": True, "value": self.audience},
                "exp": {"essential": True},
            }
            if self.kind != "logout":  # a logout token may name only the session (sid)
                options["sub"] = {"essential": True}
            if nonce is not None:
                options["nonce"] = {"essential": True, "value": nonce}
            JWTClaimsRegistry(leeway=self._leeway, **options).validate(decoded.claims)
            claims = dict(decoded.claims)
            if self.kind == "access":
                self._check_access_token(decoded.header, claims)
            elif self.kind == "id":
                self._check_id_token(claims)
            else:
                self._check_logout_token(claims)
        except httpx.HTTPError as exc:
            raise InvalidToken(
                "De sleutels van de identiteitsprovider zijn niet bereikbaar."
            ) from exc
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise InvalidToken("Het token is ongeldig of verlopen.") from exc
        return claims

    def _check_access_token(self, header: dict[str, Any], claims: dict[str, Any]) -> None:
        header_type = str(header.get("typ", "")).lower()
        claim_type = claims.get("typ")
        if claim_type in ID_TOKEN_CLAIM_TYPES:
            raise ValueError("an ID token is not an access token")
        if header_type not in ACCESS_TOKEN_HEADER_TYPES and claim_type not in (
            ACCESS_TOKEN_CLAIM_TYPES
        ):
            raise ValueError("not an access token (typ)")
        client = claims.get("azp") or claims.get("client_id")
        if not isinstance(client, str) or (self.clients and client not in self.clients):
            raise ValueError("access token of an unknown client (azp)")

    def _check_id_token(self, claims: dict[str, Any]) -> None:
        if claims.get("typ") not in (None, *ID_TOKEN_CLAIM_TYPES):
            raise ValueError("not an ID token (typ)")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        azp = claims.get("azp")
        # OpenID Connect Core 3.1.3.7: with several audiences azp is required; if present,
        # it must be our client.
        if (len(audiences) > 1 and azp is None) or (azp is not None and azp != self.audience):
            raise ValueError("ID token for another client (azp)")

    @staticmethod
    def _check_logout_token(claims: dict[str, Any]) -> None:
        # OpenID Connect Back-Channel Logout 1.0, 2.6.
        events = claims.get("events")
        if not isinstance(events, dict) or BACKCHANNEL_LOGOUT_EVENT not in events:
            raise ValueError("not a logout token (events)")
        if "nonce" in claims or not (claims.get("sid") or claims.get("sub")):
            raise ValueError("not a logout token (nonce, sid/sub)")
        if not claims.get("iat") or not claims.get("jti"):
            raise ValueError("logout token without iat or jti")


def _header(token: str) -> dict[str, Any]:
    segment = token.split(".", 1)[0]
    header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    if not isinstance(header, dict):
        raise ValueError("token header is not an object")
    return header


_discovery_cache: dict[str, dict[str, Any]] = {}
_discovery_urls: dict[str, str] = {}


def use_discovery_url(issuer: str, url: str | None) -> None:
    """Fetch ``issuer``'s configuration from an internal address (e.g. inside compose,
    where the public issuer URL is not reachable); the ``iss`` checked stays the public one."""
    if url:
        _discovery_urls[issuer.rstrip("/")] = url


async def discover(issuer: str) -> dict[str, Any]:
    """The IdP's OpenID configuration (cached per process)."""
    issuer = issuer.rstrip("/")
    if issuer not in _discovery_cache:
        url = _discovery_urls.get(issuer, f"{issuer}/.well-known/openid-configuration")
        async with http_client.async_client(timeout=5.0) as client:
            response = await client.get(url)
            response.raise_for_status()
        _discovery_cache[issuer] = response.json()
    return _discovery_cache[issuer]
