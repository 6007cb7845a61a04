"""CSRF protection: the signed double-submit cookie pattern (OWASP), bound to the session.

Every browser gets a random ``ontour_csrf`` cookie; forms carry ``csrf_token`` =
HMAC(secret, cookie, session id). A cross-site page can make the browser send the cookies
but cannot read them nor compute the token; and a token (or a planted cookie) from before
sign-in or from another session is worth nothing in this one. Checked for every
state-changing request that a form can send (urlencoded, multipart, text/plain); JSON
requests need a CORS pre-flight, which this product never grants, and Bearer requests
carry no ambient authority.

Behind https the cookies are named ``__Host-...`` (``ServiceSettings.cookie_prefix``):
Secure, Path=/ and no Domain, so no other (sub)domain can set them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ontour.auth.sessions import SESSION_COOKIE

CSRF_COOKIE = "ontour_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def new_cookie_value() -> str:
    return secrets.token_urlsafe(32)


def token_for(cookie_value: str, secret_key: str, session_id: str = "") -> str:
    bound = hashlib.sha256(session_id.encode()).hexdigest() if session_id else ""
    return hmac.new(
        secret_key.encode(), f"csrf:{cookie_value}:{bound}".encode(), hashlib.sha256
    ).hexdigest()


def needs_check(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return request.method in UNSAFE_METHODS and (content_type in FORM_TYPES or not content_type)


def _cookie_names(request: Request) -> tuple[str, str]:
    """(CSRF cookie, session cookie), as the middleware named them for this deployment."""
    state = request.scope.get("state", {})
    return (
        state.get("csrf_cookie", CSRF_COOKIE),
        state.get("session_cookie", SESSION_COOKIE),
    )


async def is_valid(request: Request, secret_key: str) -> bool:
    csrf_cookie, session_cookie = _cookie_names(request)
    cookie_value = request.cookies.get(csrf_cookie)
    if not cookie_value:
        return False
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None and request.headers.get("content-type", "").startswith(FORM_TYPES[:2]):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    expected = token_for(cookie_value, secret_key, request.cookies.get(session_cookie, ""))
    return submitted is not None and hmac.compare_digest(submitted, expected)


class CsrfCookieMiddleware:
    """Give every browser its CSRF cookie and put the matching token on ``request.state``."""

    def __init__(
        self, app: ASGIApp, secret_key: str, secure: bool = True, cookie_prefix: str = ""
    ) -> None:
        self.app = app
        self.secret_key = secret_key
        self.secure = secure
        self.csrf_cookie = f"{cookie_prefix}{CSRF_COOKIE}"
        self.session_cookie = f"{cookie_prefix}{SESSION_COOKIE}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        cookie_value = request.cookies.get(self.csrf_cookie)
        fresh = cookie_value is None
        if cookie_value is None:
            cookie_value = new_cookie_value()
        state = scope.setdefault("state", {})
        state["csrf_cookie"] = self.csrf_cookie
        state["session_cookie"] = self.session_cookie
        session_id = request.cookies.get(self.session_cookie, "")
        state["csrf_token"] = token_for(cookie_value, self.secret_key, session_id)

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                secure = "; Secure" if self.secure else ""
                headers.append(
                    "set-cookie",
                    f"{self.csrf_cookie}={cookie_value}; Path=/; HttpOnly; SameSite=Lax{secure}",
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)
