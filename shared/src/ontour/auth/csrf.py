"""CSRF protection: the signed double-submit cookie pattern (OWASP).

Every browser gets a random ``ontour_csrf`` cookie; forms carry ``csrf_token`` =
HMAC(secret, cookie). A cross-site page can make the browser send the cookie but cannot
read it nor compute the token. Checked for every state-changing request that a form can
send (urlencoded, multipart, text/plain); JSON requests need a CORS pre-flight, which
this product never grants, and Bearer requests carry no ambient authority.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "ontour_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def new_cookie_value() -> str:
    return secrets.token_urlsafe(32)


def token_for(cookie_value: str, secret_key: str) -> str:
    return hmac.new(
        secret_key.encode(), f"csrf:{cookie_value}".encode(), hashlib.sha256
    ).hexdigest()


def needs_check(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return request.method in UNSAFE_METHODS and (content_type in FORM_TYPES or not content_type)


async def is_valid(request: Request, secret_key: str) -> bool:
    cookie_value = request.cookies.get(CSRF_COOKIE)
    if not cookie_value:
        return False
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None and request.headers.get("content-type", "").startswith(FORM_TYPES[:2]):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    return submitted is not None and hmac.compare_digest(
        submitted, token_for(cookie_value, secret_key)
    )


class CsrfCookieMiddleware:
    """Give every browser its CSRF cookie and put the matching token on ``request.state``."""

    def __init__(self, app: ASGIApp, secret_key: str, secure: bool = True) -> None:
        self.app = app
        self.secret_key = secret_key
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        cookie_value = request.cookies.get(CSRF_COOKIE)
        fresh = cookie_value is None
        if cookie_value is None:
            cookie_value = new_cookie_value()
        scope.setdefault("state", {})["csrf_token"] = token_for(cookie_value, self.secret_key)

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                secure = "; Secure" if self.secure else ""
                headers.append(
                    "set-cookie",
                    f"{CSRF_COOKIE}={cookie_value}; Path=/; HttpOnly; SameSite=Lax{secure}",
                )
            await send(message)

        await self.app(scope, receive, send_with_cookie)
