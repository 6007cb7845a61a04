"""The access matrix: every endpoint × every role (and anonymous) against each service's table.

Fails on any access the table does not grant, on any endpoint missing from the table and on
any table entry without an endpoint.
"""

from __future__ import annotations

import re
import uuid
from importlib import import_module

import pytest
from fastapi.routing import iter_route_contexts
from ontour.auth.principal import Role
from ontour.devstack.stack import service_names
from ontour.testing.plugin import running_service

# One service per test, each long: spread them over the workers.
pytestmark = pytest.mark.spread

NOT_GUARDED = {"/api/v1/openapi.json"}  # the OpenAPI document itself: public by design


def endpoints(app, service: str) -> set[tuple[str, str]]:
    found = set()
    for context in iter_route_contexts(app.routes):
        path = context.path or ""
        if not path.startswith(f"/{service}/") or path.removeprefix(f"/{service}") in NOT_GUARDED:
            continue
        for method in context.methods or ():
            if method != "HEAD":
                found.add((method, path))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)


@pytest.mark.parametrize("service_name", service_names())
async def test_access_matrix(service_name, nats_url, database_url, idp_url, bearer):
    service = import_module(f"{service_name}.app").service
    async with running_service(
        service, nats_url=nats_url, idp_url=idp_url, database_url=database_url(service_name)
    ) as client:
        runtime = client.app.state.runtime
        table = runtime.access.entries()
        routes = endpoints(client.app, service_name)
        assert routes, "no endpoints found"
        missing = sorted(routes - set(table))
        stale = sorted(set(table) - routes)
        assert not missing, f"endpoints missing from the access table: {missing}"
        assert not stale, f"access-table entries without an endpoint: {stale}"

        wrong = []
        for (method, path), rule in sorted(table.items()):
            for role in [None, *Role]:
                headers = bearer(role.value) if role else {}
                response = await client.request(
                    method, concrete(path), headers=headers, json={} if method != "GET" else None
                )
                if rule.public or (role is not None and role in rule.roles):
                    allowed = response.status_code not in (401, 403)
                    expected = "allowed"
                else:
                    allowed = response.status_code in (401, 403)
                    expected = "refused"
                    if role is None and response.status_code != 401:
                        allowed = False
                if not allowed:
                    wrong.append(
                        f"{method} {path} as {role or 'anonymous'}: "
                        f"{response.status_code}, expected {expected}"
                    )
        assert not wrong, "\n".join(wrong)
