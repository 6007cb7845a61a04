"""Browser sessions, shared by every service through a NATS JetStream key-value bucket.

The cookie holds only a random id. The bucket stores, under a hash of that id, the session
encrypted with a key derived from ``ONTOUR_SECRET_KEY`` (a display name is personal data
and must not sit readable on the bus). Signing out deletes the entry: the session ends in
every service at once.

A session ends after ``SESSION_TTL_SECONDS`` (absolute, counted from sign-in) or after
``idle_seconds`` without a request (idle). Every few minutes the roles are read again from
the IdP with the session's refresh token (``ontour.auth.identity``); when the IdP refuses,
the session ends. No ID token is kept.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, replace
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from ontour.auth.principal import Principal, Role
from ontour.messaging.streams import SESSION_BUCKET, SESSION_TTL_SECONDS, bucket_keys

__all__ = ["SESSION_BUCKET", "SESSION_COOKIE", "Session", "SessionStore"]

SESSION_COOKIE = "ontour_sessie"
TOUCH_AFTER_SECONDS = 60.0  # write "last seen" at most this often (not on every request)


@dataclass(frozen=True)
class Session:
    principal: Principal
    created: float  # wall-clock seconds (shared by every service)
    seen: float
    refreshed: float  # when the roles were last read from the IdP
    sid: str = ""  # the IdP's session id (back-channel logout)
    refresh_token: str = ""


def _fernet(secret_key: str) -> Fernet:
    digest = hashlib.sha256(f"ontour-session:{secret_key}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """Browser sessions in a NATS KV bucket, sealed with the secret key. Open one with
    :meth:`open`."""

    def __init__(
        self,
        js: JetStreamContext,
        bucket: str,
        kv: KeyValue,
        secret_key: str,
        *,
        idle_seconds: float,
    ) -> None:
        self._js, self._bucket, self._kv = js, bucket, kv
        self._fernet = _fernet(secret_key)
        self.idle_seconds = idle_seconds

    @classmethod
    async def open(
        cls,
        js: JetStreamContext,
        secret_key: str,
        *,
        bucket: str = SESSION_BUCKET,
        idle_seconds: float = 30 * 60,
    ) -> SessionStore:
        return cls(js, bucket, await js.key_value(bucket), secret_key, idle_seconds=idle_seconds)

    async def create(self, principal: Principal, *, sid: str = "", refresh_token: str = "") -> str:
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        session = Session(principal, created=now, seen=now, refreshed=now, sid=sid,
                          refresh_token=refresh_token)  # fmt: skip
        await self._put(_key(session_id), session)
        return session_id

    async def get(self, session_id: str) -> Session | None:
        """The session, if it has not ended; counts as activity (idle timeout)."""
        key = _key(session_id)
        session = await self._load(key)
        if session is None:
            return None
        now = time.time()
        if now - session.created > SESSION_TTL_SECONDS or now - session.seen > self.idle_seconds:
            await self._kv.purge(key)
            return None
        if now - session.seen > TOUCH_AFTER_SECONDS:
            session = replace(session, seen=now)
            await self._put(key, session)
        return session

    async def update(self, session_id: str, session: Session) -> None:
        await self._put(_key(session_id), session)

    async def delete(self, session_id: str) -> None:
        await self._kv.purge(_key(session_id))

    async def delete_where(self, *, subject: str | None = None, sid: str | None = None) -> int:
        """End every session of this IdP session (``sid``) or else of this subject (OIDC
        back-channel logout). Returns how many ended."""
        ended = 0
        for key in await bucket_keys(self._js, self._bucket):
            session = await self._load(key)
            if session is None:
                continue
            if (sid and session.sid == sid) or (
                not sid and subject and session.principal.subject == subject
            ):
                await self._kv.purge(key)
                ended += 1
        return ended

    async def _load(self, key: str) -> Session | None:
        try:
            entry = await self._kv.get(key)
        except KeyNotFoundError:
            return None
        if not entry.value:
            return None
        try:
            document: dict[str, Any] = json.loads(
                self._fernet.decrypt(entry.value, ttl=SESSION_TTL_SECONDS)
            )
            principal = Principal(
                subject=document["sub"],
                display_name=document["name"],
                roles=frozenset(Role(r) for r in document["roles"]),
                via="session",
            )
            return Session(
                principal,
                created=float(document["created"]),
                seen=float(document["seen"]),
                refreshed=float(document["refreshed"]),
                sid=document.get("sid", ""),
                refresh_token=document.get("refresh_token", ""),
            )
        except (InvalidToken, KeyError, ValueError, TypeError):
            return None  # unreadable, or a session of before this format: signed out

    async def _put(self, key: str, session: Session) -> None:
        document = {
            "sub": session.principal.subject,
            "name": session.principal.display_name,
            "roles": sorted(session.principal.roles),
            "created": session.created,
            "seen": session.seen,
            "refreshed": session.refreshed,
            "sid": session.sid,
            "refresh_token": session.refresh_token,
        }
        await self._kv.put(key, self._fernet.encrypt(json.dumps(document).encode()))
