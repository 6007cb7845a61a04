"""Who calls, as the audit trail keeps it: built once at the edge from the HTTP request, so
use cases and the trail itself never read a request."""

from __future__ import annotations

from starlette.requests import Request

from ontour.audit import PUBLIC_ORIGIN, Caller
from ontour.auth.principal import Principal
from ontour.client_address import client_address


def origin_of(request: Request | None) -> str:
    """The caller's address as the trusted proxy saw it (never a client's own header)."""
    if request is None or request.client is None:
        return "intern"
    return client_address(request)


def caller_of(request: Request) -> Caller:
    """The caller of ``request``: with their address when signed in, without it
    (:data:`~ontour.audit.PUBLIC_ORIGIN`) when they have no account."""
    actor: Principal | None = getattr(request.state, "user", None)
    return Caller(actor, origin_of(request) if actor is not None else PUBLIC_ORIGIN)
