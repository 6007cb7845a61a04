"""Access control: one declarative table per service, enforced on every endpoint.

Deny by default: an endpoint missing from the table is refused (and the access-matrix test
fails on it). Object-level rules (a teamlid sees only their own cases) live in the
endpoints, with :func:`require`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request

from ontour.auth import csrf
from ontour.auth.principal import Principal, Role
from ontour.observability.logging import get_logger
from ontour.web.problems import Problem
from ontour.web.routes import route_template

PUBLIC: Literal["public"] = "public"
log = get_logger(__name__)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]
    public: bool = False


class AccessTable:
    """``{"METHOD /<service>/path/{param}": {Role, ...} | PUBLIC}``"""

    def __init__(self, rules: Mapping[str, Iterable[Role] | Literal["public"]]) -> None:
        self._rules: dict[tuple[str, str], Rule] = {}
        for key, allowed in rules.items():
            method, path = key.split(" ", 1)
            rule = Rule(frozenset(), public=True) if allowed == PUBLIC else Rule(frozenset(allowed))
            self._rules[(method.upper(), path)] = rule

    def with_public(self, paths: Iterable[str], method: str = "GET") -> AccessTable:
        table = AccessTable({})
        table._rules = dict(self._rules)
        for path in paths:
            table._rules.setdefault((method, path), Rule(frozenset(), public=True))
        return table

    def rule_for(self, method: str, path: str) -> Rule | None:
        if method == "HEAD":
            method = "GET"
        return self._rules.get((method, path))

    def entries(self) -> dict[tuple[str, str], Rule]:
        return dict(self._rules)


def require(principal: Principal | None, allowed: bool, *, reason: str = "") -> Principal:
    """Object-level check inside an endpoint: 403 unless ``allowed``."""
    if principal is None:
        raise Problem(401, "Meld u aan om verder te gaan.")
    if not allowed:
        raise Problem(403, reason or "U heeft geen toegang tot dit gegeven.")
    return principal


async def enforce_access(request: Request) -> None:
    """The dependency every service route runs first (see ``ontour.service``)."""
    runtime = request.app.state.runtime
    path = route_template(request.scope) or request.url.path
    principal = await runtime.identity.authenticate(request)
    request.state.user = principal
    rule = runtime.access.rule_for(request.method, path)
    if rule is None:
        log.error("endpoint missing from the access table", method=request.method, path=path)
        await runtime.audit_denied(request, principal, path, "no rule")
        raise Problem(403, "Deze handeling is niet toegestaan.")
    if not rule.public:
        if principal is None:
            raise Problem(
                401,
                "Meld u aan om verder te gaan.",
                headers={"WWW-Authenticate": 'Bearer realm="ontour"'},
            )
        if not principal.has(*rule.roles):
            await runtime.audit_denied(request, principal, path, "role")
            raise Problem(403, "Uw rol geeft geen toegang tot deze handeling.")
    if (
        (principal is None or principal.via == "session")
        and csrf.needs_check(request)
        and not await csrf.is_valid(request, runtime.settings.secret_key.get_secret_value())
    ):
        raise Problem(
            403,
            "Het formulier is verlopen of niet door deze site gemaakt. "
            "Laad de pagina opnieuw en probeer het nog eens.",
        )
