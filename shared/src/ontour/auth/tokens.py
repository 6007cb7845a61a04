"""Validate OIDC JWTs against the IdP's JWKS: signature, issuer, audience, expiry.

``alg: none`` and symmetric algorithms are never accepted; an unknown ``kid`` refreshes
the key set once (key rotation at the IdP).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

ALLOWED_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]


class InvalidToken(Exception):
    """The token is not acceptable; the message is safe to show (no token content)."""


class TokenValidator:
    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        jwks_url: str | None = None,
        leeway_seconds: int = 30,
        refresh_interval_seconds: float = 300.0,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._jwks_url = jwks_url
        self._leeway = leeway_seconds
        self._refresh_interval = refresh_interval_seconds
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    async def jwks_url(self) -> str:
        if self._jwks_url is None:
            config = await discover(self.issuer)
            self._jwks_url = str(config["jwks_uri"])
        return self._jwks_url

    async def _key_set(self, force: bool = False) -> KeySet:
        stale = time.monotonic() - self._fetched_at > self._refresh_interval
        if self._keys is None or force or stale:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(await self.jwks_url())
                response.raise_for_status()
            self._keys = KeySet.import_key_set(response.json())
            self._fetched_at = time.monotonic()
        return self._keys

    async def validate(self, token: str, *, nonce: str | None = None) -> dict[str, Any]:
        try:
            keys = await self._key_set()
            kid = _header(token).get("kid")
            if kid and kid not in {key.kid for key in keys.keys}:
                keys = await self._key_set(force=True)  # the IdP rotated its keys
            decoded = jwt.decode(token, keys, algorithms=ALLOWED_ALGORITHMS)
            options: dict[str, Any] = {
                "iss": {"essential": True, "value": self.issuer},
                "aud": {"essential": True, "value": self.audience},
                "exp": {"essential": True},
                "sub": {"essential": True},
            }
            if nonce is not None:
                options["nonce"] = {"essential": True, "value": nonce}
            JWTClaimsRegistry(leeway=self._leeway, **options).validate(decoded.claims)
        except httpx.HTTPError as exc:
            raise InvalidToken(
                "De sleutels van de identiteitsprovider zijn niet bereikbaar."
            ) from exc
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise InvalidToken("Het token is ongeldig of verlopen.") from exc
        return dict(decoded.claims)


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
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.get(url)
            response.raise_for_status()
        _discovery_cache[issuer] = response.json()
    return _discovery_cache[issuer]
