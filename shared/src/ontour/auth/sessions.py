"""Browser sessions, shared by every service through a NATS JetStream key-value bucket.

The cookie holds only a random id. The bucket stores, under a hash of that id, the session
encrypted with a key derived from ``ONTOUR_SECRET_KEY`` (a display name is personal data
and must not sit readable on the bus). Signing out deletes the entry: the session ends in
every service at once. Entries expire with the bucket's TTL.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from ontour.auth.principal import Principal, Role
from ontour.messaging.streams import SESSION_BUCKET, SESSION_TTL_SECONDS

__all__ = ["SESSION_BUCKET", "SESSION_COOKIE", "Session", "SessionStore"]

SESSION_COOKIE = "ontour_sessie"


@dataclass(frozen=True)
class Session:
    principal: Principal
    id_token: str  # kept for the IdP's logout (id_token_hint)


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(f"ontour-session:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    def __init__(self, kv: KeyValue, secret_key: str) -> None:
        self._kv = kv
        self._fernet = _fernet(secret_key)

    async def create(self, principal: Principal, id_token: str) -> str:
        session_id = secrets.token_urlsafe(32)
        document = {
            "sub": principal.subject,
            "name": principal.display_name,
            "roles": sorted(principal.roles),
            "id_token": id_token,
        }
        await self._kv.put(_key(session_id), self._fernet.encrypt(json.dumps(document).encode()))
        return session_id

    async def get(self, session_id: str) -> Session | None:
        try:
            entry = await self._kv.get(_key(session_id))
        except KeyNotFoundError:
            return None
        if not entry.value:
            return None
        try:
            document = json.loads(self._fernet.decrypt(entry.value, ttl=SESSION_TTL_SECONDS))
        except InvalidToken:
            return None
        principal = Principal(
            subject=document["sub"],
            display_name=document["name"],
            roles=frozenset(Role(r) for r in document["roles"]),
            via="session",
        )
        return Session(principal=principal, id_token=document["id_token"])

    async def delete(self, session_id: str) -> None:
        await self._kv.purge(_key(session_id))
