"""Property-based API tests against every service's OpenAPI, through Caddy.

No 5xx anywhere, and every response (errors included) matches its documented schema.
Schema-valid input may still break a business rule (a "held" voorgesprek in the future):
such a 422 is correct, so schemathesis' positive-data check is left out.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from ontour.devstack.stack import service_names
from schemathesis.checks import positive_data_acceptance


@pytest.mark.parametrize("service", service_names())
def test_api_conforms_to_its_openapi(base_url, as_role, service):
    schema = schemathesis.openapi.from_url(f"{base_url}/{service}/api/v1/openapi.json")
    # The paths are relative to the document's server, /<service>/api/v1.
    schema.config.update(base_url=f"{base_url}/{service}/api/v1")
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def conforms(case):
            case.call_and_validate(
                headers=as_role("coordinator"), excluded_checks=[positive_data_acceptance]
            )

        try:
            conforms()
        except Exception as failure:  # report every operation, not only the first
            failures.append(f"{operation.label}:\n{failure}")
    assert not failures, "\n\n".join(failures)
