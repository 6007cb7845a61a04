"""Property-based API tests against every service's OpenAPI, through Caddy, all checks on.

No 5xx anywhere, every response (errors included) matches its documented schema, and
schema-valid input is accepted. Business rules an OpenAPI cannot express (a period's end
before its start, a version in one of two places) are named per operation in
schemathesis.toml next to this file. Then the same along the links between operations
(an id one returns, used by the next) that schemathesis infers from the schema.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from ontour.devstack.stack import service_names
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup

CONFIG = Path(__file__).with_name("schemathesis.toml")
# Each service's run is long and needs only the worker's stack: spread them over the workers.
pytestmark = pytest.mark.spread


def service_schema(base_url: str, service: str):
    schema = schemathesis.openapi.from_url(
        f"{base_url}/{service}/api/v1/openapi.json", config=SchemathesisConfig.from_path(CONFIG)
    )
    # The paths are relative to the document's server, /<service>/api/v1.
    schema.config.update(base_url=f"{base_url}/{service}/api/v1")
    return schema


@pytest.mark.parametrize("service", service_names())
def test_api_conforms_to_its_openapi(base_url, as_role, service):
    schema = service_schema(base_url, service)
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            derandomize=True,  # the same examples in every run: CI fails on a change, not on luck
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case):
            case.call_and_validate(headers=as_role("coordinator"))

        try:
            conforms()
        # Report every operation, not only the first: schemathesis' FailureGroup is a
        # BaseExceptionGroup, which `except Exception` alone does not catch.
        except (Exception, FailureGroup) as failure:
            # With the sub-exceptions: hypothesis' "unreliable results" names its cause there.
            cause = "".join(traceback.format_exception(failure))
            failures.append(f"{operation.label}:\n{cause}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("service", service_names())
def test_api_conforms_along_its_links(base_url, as_role, service):
    schema = service_schema(base_url, service)
    machine = schema.as_state_machine()  # infers the links
    if not schema.statistic.transitions.total:
        pytest.skip(f"{service} has no operation that uses what another one returns")

    class Calls(machine):
        def get_call_kwargs(self, case):
            return {"headers": as_role("coordinator")}

    Calls.run(
        settings=settings(
            max_examples=10,
            stateful_step_count=6,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
